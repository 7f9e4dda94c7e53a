import { DomainError } from "../errors";
import { readBodyText } from "../rest/http";
import { jsonNestsDeeperThan, tooDeep } from "../util/nesting";

/** The largest tRPC request: the upload procedure takes up to 10 MiB of documents, escaped as JSON. */
export const TRPC_MAX_BODY = 16 * 1024 * 1024;

/**
 * The request with its body read under the cap — tRPC's fetch adapter would buffer any body
 * whole — or the answer, in tRPC's error shape, for one that is larger (413) or whose JSON (body,
 * or a query's `input`) nests too deep to be handled (400).
 */
export async function boundedTrpcRequest(request: Request, maxBytes = TRPC_MAX_BODY): Promise<Request | Response> {
  try {
    const input = new URL(request.url).searchParams.get("input");
    if (input && jsonNestsDeeperThan(input)) throw tooDeep("the input");
    if (request.method !== "POST") return request;
    const body = await readBodyText(request, maxBytes);
    if (jsonNestsDeeperThan(body)) throw tooDeep("the request body");
    const headers = new Headers(request.headers);
    headers.delete("content-length");
    return new Request(request.url, { method: request.method, headers, body });
  } catch (error) {
    if (!(error instanceof DomainError) || !["PAYLOAD_TOO_LARGE", "BAD_REQUEST"].includes(error.code)) throw error;
    return Response.json(
      { error: { message: error.message, code: -32600, data: { code: error.code, httpStatus: error.httpStatus } } },
      { status: error.httpStatus },
    );
  }
}
