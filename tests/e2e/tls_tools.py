"""TLS for the e2e tests: a self-signed certificate for localhost, and a TLS front that puts
HTTPS before a plain-HTTP process (tgsim), as Telegram's api.telegram.org is HTTPS."""
import os
import socket
import ssl
import subprocess
import threading


def make_certificate(workdir):
    """A self-signed certificate for localhost and 127.0.0.1; returns (cert_path, key_path)."""
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def server_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class TlsFront:
    """Accepts TLS on a port of its own and pipes each connection to 127.0.0.1:target_port."""

    def __init__(self, target_port, cert, key):
        self.target_port = target_port
        self.context = server_context(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.handshake_failures = 0
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            tls = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshake_failures += 1  # e.g. the client did not trust the certificate
            client.close()
            return
        with tls, socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
            back = threading.Thread(target=self._pipe, args=(upstream, tls), daemon=True)
            back.start()
            self._pipe(tls, upstream)
            back.join()

    @staticmethod
    def _pipe(source, sink):
        """Copies until either side closes, then shuts both down so the other direction ends too."""
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()
