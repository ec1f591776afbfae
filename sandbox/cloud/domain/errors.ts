/**
 * An error the simulated cloud answers with, named by its AWS error code so the SDK raises the matching exception
 * class (`AlreadyExistsException`) or a service exception whose `name` is the code (`ValidationError`, `Throttling`).
 */
export class CloudError extends Error {
  override readonly name = 'CloudError';

  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }

  /** The query protocols split faults into the caller's (`Sender`) and the service's (`Receiver`). */
  get faultType(): 'Sender' | 'Receiver' {
    return this.httpStatus >= 500 ? 'Receiver' : 'Sender';
  }
}

export const validationError = (message: string): CloudError => new CloudError('ValidationError', message);

export const templateFormatError = (detail: string): CloudError =>
  validationError(`Template format error: ${detail}`);

export const templateError = (detail: string): CloudError => validationError(`Template error: ${detail}`);

export const stackNotFoundError = (stack: string): CloudError =>
  validationError(`Stack with id ${stack} does not exist`);

/**
 * What EC2 answers when a subnet has fewer free addresses than the launch asks for.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html (InsufficientFreeAddressesInSubnet)
 */
export const insufficientAddressesError = (subnet: string): CloudError =>
  new CloudError(
    'InsufficientFreeAddressesInSubnet',
    `There are not enough free addresses in subnet '${subnet}' to satisfy the requested number of instances.`,
  );
