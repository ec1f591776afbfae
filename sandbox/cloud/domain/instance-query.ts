import { CloudError } from './errors';
import { INSTANCE_STATE_CODES, type Fleet, type Instance, type Tag } from './fleet';

export interface Filter {
  name: string;
  values: string[];
}

export interface InstanceQuery {
  instanceIds: string[];
  filters: Filter[];
  maxResults?: number;
  nextToken?: string;
}

const invalidParameter = (message: string): CloudError => new CloudError('InvalidParameterValue', message);

const tagValue = (instance: Instance, key: string): string | undefined => instance.tags.find((tag) => tag.key === key)?.value;

/** What each filter name reads from an instance; a tag filter is `tag:<key>`. */
const FILTER_FIELDS: Record<string, (instance: Instance) => (string | undefined)[]> = {
  'instance-id': (instance) => [instance.instanceId],
  'instance-state-name': (instance) => [instance.state],
  'instance-state-code': (instance) => [String(INSTANCE_STATE_CODES[instance.state])],
  'instance-type': (instance) => [instance.instanceType],
  'availability-zone': (instance) => [instance.availabilityZone],
  'placement.availability-zone': (instance) => [instance.availabilityZone],
  'image-id': (instance) => [instance.imageId],
  'key-name': (instance) => [instance.keyName],
  'vpc-id': (instance) => [instance.vpcId],
  'subnet-id': (instance) => [instance.subnetId],
  'private-ip-address': (instance) => [instance.privateIpAddress],
  'ip-address': (instance) => [instance.publicIpAddress],
  'reservation-id': (instance) => [instance.reservationId],
  'instance.group-id': (instance) => instance.securityGroupIds,
  'tag-key': (instance) => instance.tags.map((tag) => tag.key),
  'tag-value': (instance) => instance.tags.map((tag) => tag.value),
};

/** EC2 filter values may use `*` (any run of characters) and `?` (one character). */
const wildcard = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`, 's');

const fieldOf = (name: string): ((instance: Instance) => (string | undefined)[]) => {
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return (instance) => [tagValue(instance, key)];
  }
  const field = FILTER_FIELDS[name];
  if (!field) throw invalidParameter(`The filter '${name}' is invalid`);
  return field;
};

/** Values of one filter are alternatives; separate filters must all match. */
const matcher = (filters: readonly Filter[]): ((instance: Instance) => boolean) => {
  const checks = filters.map((filter) => {
    const field = fieldOf(filter.name);
    const patterns = filter.values.map(wildcard);
    return (instance: Instance) => field(instance).some((value) => value !== undefined && patterns.some((p) => p.test(value)));
  });
  return (instance) => checks.every((check) => check(instance));
};

const MIN_PAGE = 5;
const MAX_PAGE = 1000;

const decodeCursor = (token: string): number => {
  const cursor = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^cursor:/, ''));
  if (!Number.isInteger(cursor)) throw invalidParameter(`Invalid value '${token}' for nextToken`);
  return cursor;
};

/**
 * DescribeInstances: explicit ids must all exist (EC2 answers NotFound otherwise), filters narrow the result and
 * MaxResults pages through instances in launch order.
 */
export const describeInstances = (fleet: Fleet, query: InstanceQuery): { instances: Instance[]; nextToken?: string } => {
  if (query.maxResults !== undefined && query.instanceIds.length > 0) {
    throw new CloudError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  if (query.maxResults !== undefined && (query.maxResults < MIN_PAGE || query.maxResults > MAX_PAGE)) {
    throw invalidParameter(
      `Value ( ${query.maxResults} ) for parameter maxResults is invalid. Expecting a value between ${MIN_PAGE} and ${MAX_PAGE}.`,
    );
  }
  for (const id of query.instanceIds) {
    if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new CloudError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
  }
  const missing = query.instanceIds.filter((id) => fleet.get(id) === undefined);
  if (missing.length === 1) throw new CloudError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
  if (missing.length > 1) {
    throw new CloudError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  }

  const matches = matcher(query.filters);
  const after = query.nextToken === undefined ? 0 : decodeCursor(query.nextToken);
  const wanted = new Set(query.instanceIds);
  const selected = fleet
    .list()
    .filter((instance) => (wanted.size === 0 || wanted.has(instance.instanceId)) && matches(instance) && instance.sequence > after);
  if (query.maxResults === undefined || selected.length <= query.maxResults) return { instances: selected };
  const page = selected.slice(0, query.maxResults);
  const last = page.at(-1)?.sequence ?? after;
  return { instances: page, nextToken: Buffer.from(`cursor:${last}`).toString('base64url') };
};

/**
 * Whether a query is about a stack's instances: it names one of them, or its tag filters match the tags the stack
 * gives its instances. A throttle fault on a stack uses this to hit EC2 calls too.
 */
export const queryConcernsStack = (fleet: Fleet, query: InstanceQuery, stackId: string, instanceTags: readonly Tag[]): boolean => {
  const named = query.instanceIds.some((id) => {
    const instance = fleet.get(id);
    return instance !== undefined && tagValue(instance, 'aws:cloudformation:stack-id') === stackId;
  });
  if (named) return true;
  const tags = new Map(instanceTags.map((tag) => [tag.key, tag.value]));
  const relevant = query.filters.filter((filter) => filter.name.startsWith('tag:') && tags.has(filter.name.slice(4)));
  return (
    relevant.length > 0 &&
    relevant.every((filter) => filter.values.map(wildcard).some((pattern) => pattern.test(tags.get(filter.name.slice(4)) ?? '')))
  );
};
