import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger: static messages, context in the second argument (`logger.info('stack create started', { clusterId })`). */
export const logger = new Logger({ serviceName: 'swarm-provisioner' });
