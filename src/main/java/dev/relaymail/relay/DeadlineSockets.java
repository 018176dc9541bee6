package dev.relaymail.relay;

import dev.relaymail.core.Deadline;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import javax.net.SocketFactory;

/**
 * Plain sockets for Angus Mail whose connect and read timeouts are capped by the current invocation's deadline, with
 * {@code TCP_NODELAY} set (no delayed-ACK wait at the end of each command). STARTTLS and implicit TLS layer over
 * these sockets, so the caps hold for TLS too. Angus creates a socket on the thread that connects; that thread finds
 * it here afterwards, so one factory serves every connection of the relay.
 */
final class DeadlineSockets extends SocketFactory {
    private final ThreadLocal<Deadline> pending = new ThreadLocal<>();
    private final ThreadLocal<CappedSocket> created = new ThreadLocal<>();

    /** Sockets this thread creates from now on are capped by this deadline. */
    void prepare(Deadline deadline) {
        pending.set(deadline);
    }

    /** The socket this thread created last, once. */
    CappedSocket takeCreated() {
        CappedSocket socket = created.get();
        created.remove();
        pending.remove();
        return socket;
    }

    @Override
    public Socket createSocket() throws SocketException {
        CappedSocket socket = new CappedSocket(pending.get());
        socket.setTcpNoDelay(true);
        created.set(socket);
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port));
    }

    private Socket connected(SocketAddress address) throws IOException {
        Socket socket = createSocket();
        socket.connect(address);
        return socket;
    }

    /** A socket that caps every timeout set on it by its deadline. */
    static final class CappedSocket extends Socket {
        private Deadline deadline;
        private int requestedTimeout;

        CappedSocket(Deadline deadline) {
            this.deadline = deadline;
        }

        /** Applies a deadline to this connection; {@code null} lifts it. */
        synchronized void deadline(Deadline next) throws SocketException {
            deadline = next;
            if (!isClosed()) {
                super.setSoTimeout(capped(requestedTimeout));
            }
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            super.connect(endpoint, capped(timeout));
        }

        @Override
        public synchronized void setSoTimeout(int timeout) throws SocketException {
            requestedTimeout = timeout;
            super.setSoTimeout(capped(timeout));
        }

        /** Closes the connection at once, unblocking any read or write in progress. */
        void abort() {
            try {
                close();
            } catch (IOException e) {
                // closing is all we wanted
            }
        }

        private synchronized int capped(int timeout) {
            return deadline == null ? timeout : deadline.cap(timeout);
        }
    }
}
