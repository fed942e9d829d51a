import * as net from "net";

/** A loopback port nothing listens on (bound, then closed): an unreachable host for tests. */
export async function closedLoopbackPort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return port;
}
