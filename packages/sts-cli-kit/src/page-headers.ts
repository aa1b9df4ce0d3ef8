// The response headers of the apps' web pages (sts-meter serve's keypad, sts-service's token generator):
// everything from the app's own server, a strict Content-Security-Policy, no framing, no referrer, no sniffing.

/** `Content-Security-Policy` of a page: only its own script and style, fetches only to its own server. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The headers a page's file is served under.
 * @example res.writeHead(200, pageHeaders('text/html; charset=utf-8', body.length)).end(body)
 */
export function pageHeaders(contentType: string, length: number): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Length': String(length),
    'Content-Security-Policy': PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}
