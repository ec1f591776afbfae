/**
 * A function that only reads one DynamoDB item with the document client, built like ours: the SDK's share of every
 * DynamoDB route's cold start (scripts/bundles.ts prints it beside the functions, so their init reads as floor + ours).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: { id: string }) => client.send(new GetCommand({ TableName: 'clusters', Key: { pk: event.id, sk: event.id } }));
