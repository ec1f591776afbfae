export { startLocalEventBus, type AwsEvent, type LocalEventBus } from './bus';
export { checkPattern, EventPatternError, matchesPattern, type EventPattern } from './pattern';
export { eventRulesFromServerless, ServerlessRulesError, type ResourceResolver } from './serverless-rules';
export { startLocalEventBridgeApi } from './api';
