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
 * these sockets, so the caps hold for TLS too. One connection at a time: the relay that owns this factory holds its
 * lock while it uses the connection.
 */
final class DeadlineSockets extends SocketFactory {
    private Deadline deadline;
    private CappedSocket current;

    /** Applies a deadline to the open connection and to the next one; {@code null} lifts it. */
    synchronized void deadline(Deadline next) throws SocketException {
        deadline = next;
        if (current != null && !current.isClosed()) {
            current.deadline(next);
        }
    }

    /** Closes the connection at once, unblocking any read or write in progress. */
    synchronized void abort() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // closing is all we wanted
            }
        }
    }

    @Override
    public synchronized Socket createSocket() throws SocketException {
        current = new CappedSocket(deadline);
        current.setTcpNoDelay(true);
        return current;
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
    private static final class CappedSocket extends Socket {
        private Deadline deadline;
        private int requestedTimeout;

        CappedSocket(Deadline deadline) {
            this.deadline = deadline;
        }

        synchronized void deadline(Deadline next) throws SocketException {
            deadline = next;
            super.setSoTimeout(capped(requestedTimeout));
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

        private synchronized int capped(int timeout) {
            return deadline == null ? timeout : deadline.cap(timeout);
        }
    }
}
