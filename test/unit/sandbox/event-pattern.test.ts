/**
 * The local EventBridge matcher against AWS's own examples. Unless a test says otherwise, patterns and events come
 * from "Content filtering in Amazon EventBridge event patterns"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html) and
 * "Creating event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html).
 */
import { checkPattern, EventPatternError, matchesPattern, type EventPattern } from '../../../sandbox/eventbridge';

const matches = (pattern: object, event: object): boolean => {
  checkPattern(pattern);
  return matchesPattern(pattern as EventPattern, event);
};

// The EC2 example event of "Creating event patterns", with the fields the filtering examples add.
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.123',
  },
};

describe('EventBridge event patterns (local matcher)', () => {
  it('matches exact values, listed values as alternatives, every field required', () => {
    expect(matches({ source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } }, ec2Event)).toBe(true);
    expect(matches({ source: ['aws.ec2', 'aws.fargate'] }, ec2Event)).toBe(true);
    expect(matches({ source: ['aws.ec2'], detail: { state: ['running'] } }, ec2Event)).toBe(false);
    expect(matches({ detail: { 'not-there': ['x'] } }, ec2Event)).toBe(false);
  });

  it('matches a value in an event array when any element matches', () => {
    // "Arrays in EventBridge event patterns": the resources example.
    const event = { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] };
    expect(matches({ resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] }, event)).toBe(true);
    expect(matches({ resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] }, event)).toBe(false);
    // Objects inside arrays are matched field by field, too.
    expect(matches({ detail: { items: { name: ['b'] } } }, { detail: { items: [{ name: 'a' }, { name: 'b' }] } })).toBe(true);
  });

  it('matches by prefix and suffix, with or without case', () => {
    expect(matches({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matches({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-03T18:43:48Z' })).toBe(false);
    expect(matches({ detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, { detail: { service: 'eventbridge' } })).toBe(true);
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' })).toBe(true);
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' })).toBe(false);
    expect(matches({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, { detail: { FileName: 'image.PNG' } })).toBe(true);
  });

  it('matches equals-ignore-case', () => {
    expect(matches({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, ec2Event)).toBe(true);
    expect(matches({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state change' }] }, ec2Event)).toBe(false);
  });

  it('matches wildcards, with \\* as a literal star', () => {
    const pattern = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expect(matches(pattern, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' })).toBe(true);
    expect(matches(pattern, { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' })).toBe(false);
    expect(matches({ name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' })).toBe(true);
    expect(matches({ name: [{ wildcard: 'a\\*b' }] }, { name: 'axxb' })).toBe(false);
  });

  it('matches anything-but a value, a list, a prefix, a suffix, ignoring case, or a wildcard', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': 'terminated' }] } }, ec2Event)).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } }, ec2Event)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, { detail: { state: 'initializing' } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, { detail: { FileName: 'notes.txt' } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } }, { detail: { state: 'STOPPED' } })).toBe(false);
    expect(matches({ detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, { detail: { FilePath: '/usr/lib/x' } })).toBe(false);
    // anything-but needs the field to be there.
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } }, ec2Event)).toBe(false);
  });

  it('matches numeric ranges, numbers compared as numbers', () => {
    const pattern = { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } };
    expect(matches(pattern, ec2Event)).toBe(true);
    expect(matches(pattern, { detail: { ...ec2Event.detail, 'c-count': 6 } })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>', 0] }] } }, { detail: { 'c-count': '5' } })).toBe(false);
    expect(matches({ detail: { 'x-limit': [301.8] } }, ec2Event)).toBe(true);
  });

  it('matches exists: true for a present leaf, false for a missing field', () => {
    expect(matches({ detail: { state: [{ exists: true }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { state: [{ exists: false }] } }, ec2Event)).toBe(false);
    expect(matches({ detail: { 'no-such-field': [{ exists: false }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { 'no-such-field': [{ exists: true }] } }, ec2Event)).toBe(false);
  });

  it('matches an IP address in a CIDR block', () => {
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, ec2Event)).toBe(false);
  });

  it('matches $or: any of the alternatives, together with the other fields', () => {
    const pattern = {
      source: ['aws.ec2'],
      detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] },
    };
    expect(matches(pattern, ec2Event)).toBe(true);
    expect(matches(pattern, { ...ec2Event, detail: { 'c-count': 0, 'd-count': 10, 'x-limit': 1 } })).toBe(false);
    expect(matches(pattern, { ...ec2Event, source: 'aws.s3' })).toBe(false);
  });

  it('refuses malformed patterns as PutRule does', () => {
    expect(() => checkPattern({ source: 'aws.ec2' })).toThrow(EventPatternError);
    expect(() => checkPattern({ detail: { state: [{ 'not-an-operator': 'x' }] } })).toThrow(/unknown comparison/);
    expect(() => checkPattern({ detail: { n: [{ numeric: ['>', 'five'] }] } })).toThrow(/malformed "numeric"/);
    expect(() => checkPattern({ $or: [{ a: ['b'] }] })).toThrow(/\$or/);
  });
});
