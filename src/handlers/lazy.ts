import type { Context } from 'aws-lambda';

type AnyHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * Builds the real handler (and its dependencies) on the first invocation, once per container. Importing a handler
 * module therefore reads no environment, which keeps unit tests free to inject their own dependencies.
 */
export function lazyHandler<E, R>(build: () => AnyHandler<E, R>): AnyHandler<E, R> {
  let handler: AnyHandler<E, R> | undefined;
  return (event, context) => (handler ??= build())(event, context);
}
