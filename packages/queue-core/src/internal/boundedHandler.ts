/**
 * The AWS SDK's Node request handler, with every response body bounded (see `boundedBody.ts`):
 * the SDK reads an answer whole before parsing it, and an endpoint that answers with 50 MB would
 * otherwise have it all in memory.
 */
import type { Readable } from "node:stream"
import { NodeHttpHandler, type NodeHttpHandlerOptions } from "@smithy/node-http-handler"
import { limited } from "./boundedBody.ts"

type Request = Parameters<NodeHttpHandler["handle"]>[0]

/** Node's request handler whose response bodies error past `limitFor(request)` bytes. */
export class BoundedHttpHandler extends NodeHttpHandler {
  readonly #limitFor: (request: Request) => number

  constructor(options: NodeHttpHandlerOptions, limitFor: (request: Request) => number) {
    super(options)
    this.#limitFor = limitFor
  }

  override handle(...args: Parameters<NodeHttpHandler["handle"]>): ReturnType<NodeHttpHandler["handle"]> {
    return super.handle(...args).then(({ response }) => {
      const body = response.body as Readable | undefined
      if (body !== undefined && typeof body.pipe === "function")
        response.body = limited(body, this.#limitFor(args[0]))
      return { response }
    })
  }
}
