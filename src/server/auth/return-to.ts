/**
 * Where to go after sign-in: only paths of this app, so neither the OIDC callback nor the login
 * page can be turned into an open redirect. Browsers drop tabs and newlines from URLs, so
 * "/<TAB>/evil.example" would become "//evil.example": control characters are refused too.
 */
export function safeReturnTo(value: string | null | undefined): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.includes("\\") || /[\u0000-\u001f\u007f]/.test(value)) {
    return "/";
  }
  return value;
}
