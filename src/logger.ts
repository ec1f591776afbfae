import { Logger } from '@aws-lambda-powertools/logger';
import { installLazySourceMaps } from './stack-traces';

// Every function's bundle reaches this module: stacks are mapped to src/ when first read (stack-traces.ts says why
// this replaces --enable-source-maps). In a bundle, __filename is the bundle itself.
installLazySourceMaps(__filename);

/** The one logger: static messages, context in the second argument (`logger.info('stack create started', { clusterId })`). */
export const logger = new Logger({ serviceName: 'swarm-provisioner' });
