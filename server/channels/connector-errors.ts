// Typed errors of the channel layer. Push failures never throw (they are outcomes the publisher
// records); these cover what cannot be an outcome: a connector that cannot be built, and a
// read-back that did not complete.
import { AppError } from '../errors'

export class UnknownChannelKindError extends AppError {
  constructor(kind: string, known: readonly string[]) {
    super('UNKNOWN_CHANNEL_KIND', `No connector for channel kind "${kind}"; known kinds: ${known.join(', ')}.`, 400)
  }
}

/** Settings or credentials missing or malformed for a connector (an operator must fix the channel). */
export class ConnectorConfigError extends AppError {
  constructor(kind: string, problem: string) {
    super('CONNECTOR_CONFIG_INVALID', `The ${kind} connector is misconfigured: ${problem}`, 400)
  }
}

/**
 * A read-back that could not complete. `transient` says whether trying again later can help
 * (throttled, 5xx, timeout) or not (rejected credentials); `retryAfterMs` when the channel said.
 */
export class ChannelReadError extends AppError {
  constructor(
    code: string,
    message: string,
    readonly transient: boolean,
    readonly retryAfterMs?: number,
    readonly httpStatus?: number,
  ) {
    super(code, message, 502)
  }
}
