/**
 * The cluster record's derived names, each to the character: the id a keyed request gets (it must not change from one
 * deployment to the next, or a retry after a deploy would create a second cluster), the digest that tells a retry from
 * a reuse of the key, the stack name, and which stack ids are ours. Stack ids are CloudFormation's ARNs,
 * `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html).
 */
import { createHash } from 'node:crypto';
import { clusterIdFor, clusterIdOfStack, createRequestDigest, newClusterId, stackNameFor } from '../../../src/domain/cluster';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The rule written out another way: the first 130 bits of the digest, five at a time, in Crockford's base32. */
function expectedId(owner: string, key: string): string {
  const bits = [...sha256(JSON.stringify([owner, key]))].map((byte) => byte.toString(2).padStart(8, '0')).join('');
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  return `c-${Array.from({ length: 26 }, (_, i) => alphabet[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]).join('')}`;
}

describe('the id of a keyed create', () => {
  it('is the first 130 bits of SHA-256 over [owner, key], in base32', () => {
    expect(clusterIdFor('alice', 'order-42')).toBe('c-p999t3mdb5mjqccfyc0qpb8bym');
  });

  it.each([
    ['arn:aws:iam::123456789012:role/ci', 'k'],
    ['bob', ''],
    ['', 'x'.repeat(300)],
    ['carol', 'ключ'],
  ])('follows the rule for owner %j and key %j', (owner, key) => {
    expect(clusterIdFor(owner, key)).toBe(expectedId(owner, key));
  });
});

describe('the digest of a create request', () => {
  it('is SHA-256 of the request as JSON with keys sorted at every depth and undefined fields left out', () => {
    // Prepare
    const request = { workers: 2, name: 'a', region: undefined, tags: { z: '1', a: '2' }, webhook: { url: 'u', events: [{ y: 1, b: null }, 'x'] } };

    // Act
    const digest = createRequestDigest(request);

    // Assess
    expect(digest).toBe(sha256('{"name":"a","tags":{"a":"2","z":"1"},"webhook":{"events":[{"b":null,"y":1},"x"],"url":"u"},"workers":2}').toString('hex'));
  });

  it('keeps the order of a list, which is content', () => {
    expect(createRequestDigest({ events: ['a', 'b'] })).not.toBe(createRequestDigest({ events: ['b', 'a'] }));
  });

  it('digests a plain value as its JSON', () => {
    expect(createRequestDigest('x')).toBe(sha256('"x"').toString('hex'));
    expect(createRequestDigest(null)).toBe(sha256('null').toString('hex'));
  });
});

describe('the stack of a cluster', () => {
  it('is named swarm- and the cluster id', () => {
    expect(stackNameFor('c-01jd1')).toBe('swarm-c-01jd1');
  });

  it('gives every new cluster its own id', () => {
    expect(newClusterId()).not.toBe(newClusterId());
  });
});

describe('which stack ids are ours', () => {
  it.each([
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/swarm-c-0a9z/6a7e8feb-b491-4cf7-a9f1-bf3703467718', 'c-0a9z'],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/swarm-c-1', 'c-1'],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/swarm-c-Upper/uuid', undefined],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/swarm-c-/uuid', undefined],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/swarm-c-1_x/uuid', undefined],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/swarm-x-1/uuid', undefined],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/other-swarm-c-1/uuid', undefined],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stack/swarm-c-1/uuid/extra', undefined],
    ['arn:aws:cloudformation:eu-west-1:123456789012:stackset/swarm-c-1/uuid', undefined],
    ['swarm-c-1', undefined],
  ])('reads %s as %s', (stackId, clusterId) => {
    expect(clusterIdOfStack(stackId)).toBe(clusterId);
  });
});
