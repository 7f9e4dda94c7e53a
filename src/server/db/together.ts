/**
 * Statements of one transaction that do not depend on each other's answers, sent together: the
 * driver pipelines them on the transaction's connection, where the database runs them one after
 * the other in the order sent, so they cost one round trip instead of one each and see what they
 * would have seen in turn. Fails as running them in turn would: with the first failure in the
 * order given (a later statement's "transaction is aborted" never hides an earlier refusal).
 */
export async function together<T extends readonly unknown[]>(work: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work as readonly Promise<unknown>[]);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
