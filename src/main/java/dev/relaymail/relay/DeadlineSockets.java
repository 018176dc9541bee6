package dev.relaymail.relay;

import dev.relaymail.core.Deadline;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.function.Consumer;
import javax.net.SocketFactory;

/**
 * Plain sockets for Angus Mail whose connect and read timeouts are capped by the current invocation's deadline, with
 * {@code TCP_NODELAY} set (no delayed-ACK wait at the end of each command). STARTTLS and implicit TLS layer over
 * these sockets, so the caps hold for TLS too. Angus creates a socket on the thread that connects; what that thread
 * prepared decides its cap and who learns of it, so one factory serves every connection of the relay.
 */
final class DeadlineSockets extends SocketFactory {
    private final ThreadLocal<Pending> pending = new ThreadLocal<>();

    /** What the next socket of a thread is capped by, and who is told of it. */
    private record Pending(Deadline deadline, Consumer<CappedSocket> created) {}

    /**
     * The next socket this thread creates is capped by this deadline, and handed to {@code created} the moment it
     * exists, before it connects, so that a watchdog can close it while the connection is still being opened.
     */
    void prepare(Deadline deadline, Consumer<CappedSocket> created) {
        pending.set(new Pending(deadline, created));
    }

    /** Forgets what {@link #prepare} set, whether a socket was created or not. */
    void done() {
        pending.remove();
    }

    @Override
    public Socket createSocket() throws SocketException {
        Pending next = pending.get();
        pending.remove();
        CappedSocket socket = new CappedSocket(next == null ? null : next.deadline());
        socket.setTcpNoDelay(true);
        if (next != null) {
            next.created().accept(socket);
        }
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
