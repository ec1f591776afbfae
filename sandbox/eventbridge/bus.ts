import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { checkPattern, EventPatternError, matchesPattern, type EventPattern } from './pattern';

export type AwsEvent = EventBridgeEvent<string, any>;

/** One rule: events matching the pattern go to the target, as an EventBridge rule's Lambda target gets them. */
export interface EventRule {
  name: string;
  pattern: EventPattern;
  target(event: AwsEvent): unknown;
}

export interface LocalEventBusOptions {
  rules: EventRule[];
  /** One line per delivery failure (and per event dropped at close). */
  log: (line: string) => void;
  /** Deliveries wait for this first (e.g. until the targets' dependencies exist); events put earlier are kept. */
  ready?: Promise<unknown>;
  /** Filled into events that lack them. */
  region?: string;
  account?: string;
}

export interface LocalEventBus {
  /**
   * Routes one event to every matching rule's target, later (never in the caller's stack); returns at once, with the
   * event's id (undefined when the bus is closed and the event dropped). What the event lacks of the envelope is
   * stamped as EventBridge does: a fresh id, the time now, this bus's account and region, no resources.
   */
  put(event: Partial<AwsEvent> & Pick<AwsEvent, 'source' | 'detail-type' | 'detail'>): string | undefined;
  /** Resolves once every delivery of the events put so far has settled. */
  idle(): Promise<void>;
  /** Stops taking events and waits for deliveries in flight. */
  close(): Promise<void>;
}

/**
 * The default event bus on one machine: the rules' patterns decide, targets run asynchronously and independently
 * (EventBridge invokes a rule's Lambda target asynchronously), and a failing target is logged, never thrown at the
 * sender, which on AWS only learns that PutEvents accepted the event.
 */
export function startLocalEventBus(options: LocalEventBusOptions): LocalEventBus {
  for (const rule of options.rules) {
    try {
      checkPattern(rule.pattern);
    } catch (error) {
      throw new EventPatternError(`rule ${rule.name}: ${(error as Error).message}`);
    }
  }
  const inFlight = new Set<Promise<void>>();
  let closed = false;
  let closing: () => void = () => undefined;
  const closed$ = new Promise<false>((resolve) => {
    closing = () => resolve(false);
  });
  const ready = (options.ready ?? Promise.resolve()).then(() => true as const);

  const deliver = async (rule: EventRule, event: AwsEvent): Promise<void> => {
    // Never in the caller's stack, whatever `ready` is.
    await new Promise((resolve) => setImmediate(resolve));
    // A bus closed before its targets could be ready (the sandbox failed to start) drops what it holds.
    if (!(await Promise.race([ready, closed$]))) {
      options.log(`eventbridge     closed before delivery: dropped ${event['detail-type']} for rule ${rule.name}`);
      return;
    }
    try {
      await rule.target(event);
    } catch (error) {
      options.log(`eventbridge     rule ${rule.name} failed on ${event['detail-type']} ${event.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return {
    put(partial) {
      if (closed) {
        options.log(`eventbridge     closed: dropped ${partial['detail-type']}`);
        return undefined;
      }
      const event: AwsEvent = {
        version: '0',
        id: randomUUID(),
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: options.region ?? 'us-east-1',
        account: options.account ?? '000000000000',
        resources: [],
        ...partial,
      } as AwsEvent;
      for (const rule of options.rules) {
        if (!matchesPattern(rule.pattern, event)) continue;
        const delivery = deliver(rule, event);
        inFlight.add(delivery);
        void delivery.finally(() => inFlight.delete(delivery));
      }
      return event.id;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      closed = true;
      closing();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
