import { DomainError } from "../errors";
import { readBodyText } from "../rest/http";

/** The largest tRPC request: the upload procedure takes up to 10 MiB of documents, escaped as JSON. */
export const TRPC_MAX_BODY = 16 * 1024 * 1024;

/**
 * The request with its body read under the cap — tRPC's fetch adapter would buffer any body
 * whole — or the 413 answer, in tRPC's error shape, for one that is larger.
 */
export async function boundedTrpcRequest(request: Request, maxBytes = TRPC_MAX_BODY): Promise<Request | Response> {
  if (request.method !== "POST") return request;
  try {
    const body = await readBodyText(request, maxBytes);
    const headers = new Headers(request.headers);
    headers.delete("content-length");
    return new Request(request.url, { method: request.method, headers, body });
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== "PAYLOAD_TOO_LARGE") throw error;
    return Response.json(
      { error: { message: error.message, code: -32600, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 } } },
      { status: 413 },
    );
  }
}
