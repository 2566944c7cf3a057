/**
 * The reason of a request that got no answer within its deadline, one text whichever transport
 * (and whichever timer) gave up on it.
 */
import { Duration } from "effect"
import { ConnectionLost } from "../SqsError.ts"

export const noAnswer = (location: string, deadline: Duration.Duration): ConnectionLost =>
  new ConnectionLost({
    message: `no answer from SQS at ${location} within ${Duration.format(deadline)}`,
    reset: false
  })
