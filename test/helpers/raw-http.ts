// A raw HTTP/1.1 client for attack tests: bytes exactly as written (fetch normalises URLs and
// headers), optionally trickled in, and whether the server closed the connection.
import net from "node:net";

export interface RawAnswer {
  status: number;
  text: string;
  /** Whether the server closed the connection. */
  closed: boolean;
}

/**
 * Sends `request` byte for byte (no URL normalisation, unlike fetch) and reads the answer until the
 * server closes or `waitMs` passes. `drip` sends it a byte every `drip` ms (a slow client).
 */
export function raw(
  url: string,
  request: string,
  options: { waitMs?: number; drip?: number } = {},
): Promise<RawAnswer> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve) => {
    let buffer = "";
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(Number(port), hostname);
    const done = () => {
      clearTimeout(timer);
      clearInterval(dripping);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buffer)?.[1] ?? 0);
      socket.destroy();
      resolve({ status, text: buffer.slice(buffer.indexOf("\r\n\r\n") + 4), closed });
    };
    let dripping: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      if (options.drip === undefined) socket.write(request);
      else {
        let i = 0;
        dripping = setInterval(() => {
          if (i < request.length && !socket.destroyed) socket.write(request[i++]!);
        }, options.drip);
      }
    });
    socket.on("data", (d) => (buffer += d.toString("utf8")));
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
      done();
    });
    timer = setTimeout(done, options.waitMs ?? 5_000);
  });
}
