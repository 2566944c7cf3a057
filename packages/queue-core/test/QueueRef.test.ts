import { assert, describe, it } from "@effect/vitest"
import { QueueRef, type SqsConfig } from "../src/index.ts"

describe("QueueRef.parse", () => {
  it("reads a bare queue name", () => {
    assert.deepStrictEqual(QueueRef.parse("BackgroundCheckApp"), { _tag: "Name", name: "BackgroundCheckApp" })
  })

  it("reads a queue URL, keeping its account id", () => {
    assert.deepStrictEqual(
      QueueRef.parse("https://sqs.us-west-2.amazonaws.com/123456789012/BackgroundCheckApp"),
      {
        _tag: "Url",
        name: "BackgroundCheckApp",
        url: "https://sqs.us-west-2.amazonaws.com/123456789012/BackgroundCheckApp",
        accountId: "123456789012"
      }
    )
  })

  it("reads a queue ARN with its region and account", () => {
    assert.deepStrictEqual(QueueRef.parse("arn:aws:sqs:us-west-2:123456789012:jobs.fifo"), {
      _tag: "Arn",
      name: "jobs.fifo",
      region: "us-west-2",
      accountId: "123456789012"
    })
  })

  it("rejects names SQS would not accept, with a message naming the input", () => {
    const result = QueueRef.parse("bad name!")
    assert.strictEqual(result._tag, "InvalidQueueRef")
    assert.include((result as QueueRef.InvalidQueueRef).message, '"bad name!"')
    assert.strictEqual(QueueRef.parse("x".repeat(81))._tag, "InvalidQueueRef")
  })
})

describe("QueueRef.unreachable", () => {
  const aws: SqsConfig.SqsSettings = {
    mode: "aws",
    endpoint: undefined,
    region: "us-east-1",
    loopback: false,
    credentials: "aws",
    location: "AWS SQS in us-east-1",
    source: "AWS_REGION",
    transport: "lean"
  }
  const local: SqsConfig.SqsSettings = {
    mode: "explicit",
    endpoint: "http://127.0.0.1:4566",
    region: "us-east-1",
    loopback: true,
    credentials: "placeholder",
    location: "http://127.0.0.1:4566",
    source: "--endpoint",
    transport: "lean"
  }
  const check = (ref: string, settings: SqsConfig.SqsSettings) =>
    QueueRef.unreachable(QueueRef.parse(ref) as QueueRef.QueueRef, settings)?.message

  it("accepts names, and URLs and ARNs in the client's region", () => {
    assert.isUndefined(check("jobs", aws))
    assert.isUndefined(check("https://sqs.us-east-1.amazonaws.com/123456789012/jobs", aws))
    assert.isUndefined(check("https://us-east-1.queue.amazonaws.com/123456789012/jobs", aws))
    assert.isUndefined(check("arn:aws:sqs:us-east-1:123456789012:jobs", aws))
    assert.isUndefined(check("http://127.0.0.1:4566/000000000000/jobs", local))
    assert.isUndefined(check("http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/jobs", local))
  })

  it("accepts a URL on the endpoint's host, or on this machine, whatever its port", () => {
    const remote: SqsConfig.SqsSettings = {
      ...local,
      endpoint: "http://sqs-emulator.internal:9324",
      loopback: false,
      location: "http://sqs-emulator.internal:9324"
    }
    assert.isUndefined(check("http://127.0.0.1:9324/000000000000/jobs", local))
    assert.isUndefined(check("http://localhost:4566/000000000000/jobs", local))
    assert.isUndefined(check("http://sqs.us-east-1.localhost:4566/000000000000/jobs", local))
    assert.isUndefined(check("http://[::1]:4566/000000000000/jobs", local))
    assert.isUndefined(check("http://SQS-Emulator.internal:9324/000000000000/jobs", remote))
    // Emulators in containers hand out localhost URLs while reached under another name.
    assert.isUndefined(check("http://localhost:9324/000000000000/jobs", remote))
  })

  it("refuses a URL on another host than the endpoint's, naming both and what to pass instead", () => {
    assert.strictEqual(
      check("http://other-host/123456789012/name", local),
      "queue URL http://other-host/123456789012/name is on host other-host, which differs from the endpoint's host 127.0.0.1 " +
        "(requests go to http://127.0.0.1:4566): pass --endpoint http://other-host (or set SQS_ENDPOINT) to use that server, " +
        "or --queue name for the queue of that name at http://127.0.0.1:4566"
    )
    const remote: SqsConfig.SqsSettings = {
      ...local,
      endpoint: "http://sqs-a.internal:9324",
      loopback: false,
      location: "http://sqs-a.internal:9324"
    }
    assert.include(check("http://sqs-b.internal:9324/000000000000/jobs", remote), "is on host sqs-b.internal")
    assert.include(check("http://10.0.0.7:4566/000000000000/jobs", local), "is on host 10.0.0.7")
  })

  it("refuses a URL that is not Amazon SQS's while the endpoint is", () => {
    const awsEndpoint: SqsConfig.SqsSettings = {
      ...local,
      endpoint: "https://sqs.us-east-1.amazonaws.com",
      loopback: false,
      location: "https://sqs.us-east-1.amazonaws.com"
    }
    assert.include(
      check("http://127.0.0.1:4566/000000000000/jobs", awsEndpoint),
      "is not an Amazon SQS URL, but requests go to https://sqs.us-east-1.amazonaws.com (region us-east-1): pass --endpoint http://127.0.0.1:4566"
    )
  })

  it("refuses a URL or ARN of another region, naming the region to set", () => {
    assert.strictEqual(
      check("https://sqs.eu-west-1.amazonaws.com/123456789012/jobs", aws),
      "queue URL https://sqs.eu-west-1.amazonaws.com/123456789012/jobs is in eu-west-1, but requests go to AWS SQS in us-east-1: set --region eu-west-1 (or AWS_REGION)"
    )
    assert.strictEqual(
      check("arn:aws:sqs:eu-west-1:123456789012:jobs", aws),
      "queue ARN arn:aws:sqs:eu-west-1:123456789012:jobs is in eu-west-1, but requests go to AWS SQS in us-east-1: set --region eu-west-1 (or AWS_REGION)"
    )
  })

  it("refuses an Amazon SQS URL while requests go to another endpoint, and a local URL while they go to AWS", () => {
    assert.strictEqual(
      check("https://sqs.us-east-1.amazonaws.com/123456789012/jobs", local),
      "queue URL https://sqs.us-east-1.amazonaws.com/123456789012/jobs is on Amazon SQS in us-east-1, but requests go to http://127.0.0.1:4566 (region us-east-1): drop --endpoint (and SQS_ENDPOINT) and set --region us-east-1"
    )
    assert.strictEqual(
      check("http://127.0.0.1:4566/000000000000/jobs", aws),
      "queue URL http://127.0.0.1:4566/000000000000/jobs is not an Amazon SQS URL, but requests go to AWS SQS in us-east-1: pass --endpoint http://127.0.0.1:4566 to use that server"
    )
  })
})
