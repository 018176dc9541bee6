#!/usr/bin/env python3
"""A TCP proxy that delays every byte by a fixed time in each direction, to put the relay "across a network".

    delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS

Listens on 127.0.0.1:LISTEN_PORT and forwards each connection to 127.0.0.1:TARGET_PORT; whatever either side sends
arrives DELAY_MS later, in order, so a round trip takes twice DELAY_MS more (this machine has no netem). It passes
STARTTLS and TLS through untouched: it only moves bytes. Prints "ready" once it listens.
"""
import asyncio
import socket
import sys


async def forward(reader, writer, delay):
    """Copies one direction, each chunk released DELAY after it arrived; ends with a half-close."""
    loop = asyncio.get_running_loop()
    chunks = asyncio.Queue()

    async def release():
        while True:
            due, data = await chunks.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    releasing = asyncio.create_task(release())
    try:
        while True:
            data = await reader.read(65536)
            chunks.put_nowait((loop.time() + delay, data))
            if not data:
                break
        await releasing
    except (ConnectionError, OSError):
        releasing.cancel()


def no_delay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def main(listen_port, target_port, delay):
    async def connection(client_reader, client_writer):
        try:
            relay_reader, relay_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        no_delay(client_writer)
        no_delay(relay_writer)
        await asyncio.gather(forward(client_reader, relay_writer, delay), forward(relay_reader, client_writer, delay))
        for writer in (client_writer, relay_writer):
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", listen_port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000))
