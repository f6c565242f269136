#!/usr/bin/python3
"""smtp_sink.py — an SMTP server that keeps every mail as a file: the tests'
and the demo's stand-in for a mail server.  Never for a real deployment.

    /usr/bin/python3 smtp_sink.py --port PORT --dir DIR [--cert CRT --key KEY]

Listens on 127.0.0.1:PORT (Debian's python3-aiosmtpd).  With a certificate it
offers STARTTLS.  Each mail accepted becomes DIR/NNNNNN.eml (the message as
sent) and DIR/NNNNNN.json (the envelope: mail_from, rcpt_tos, tls), written
whole before they appear.  A file DIR/answer, when present, holds the reply
given to DATA instead of accepting ("451 4.3.0 try later", "550 5.7.1 no"),
so a test can make the server refuse.  Stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller


class Keeper:
    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()

    def _next_name(self):
        numbers = [int(n.split('.')[0]) for n in os.listdir(self.folder)
                   if n.endswith('.eml') and n.split('.')[0].isdigit()]
        return '%06d' % (max(numbers, default=0) + 1)

    def _write(self, path, data):
        tmp = path + '.tmp'
        with open(tmp, 'wb') as f:
            f.write(data)
        os.rename(tmp, path)

    async def handle_DATA(self, server, session, envelope):
        try:
            with open(os.path.join(self.folder, 'answer')) as f:
                answer = f.read().strip()
            if answer:
                return answer
        except FileNotFoundError:
            pass
        with self.lock:
            name = self._next_name()
            meta = {
                'mail_from': envelope.mail_from,
                'rcpt_tos': envelope.rcpt_tos,
                'tls': session.ssl is not None,
            }
            # The envelope first: a reader that sees the .eml finds both.
            self._write(os.path.join(self.folder, name + '.json'),
                        json.dumps(meta).encode())
            self._write(os.path.join(self.folder, name + '.eml'), envelope.original_content)
        return '250 2.0.0 kept as ' + name


def main():
    p = argparse.ArgumentParser(description='An SMTP sink that keeps mails as files.')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--dir', required=True)
    p.add_argument('--cert')
    p.add_argument('--key')
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    kwargs = {}
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        kwargs['tls_context'] = ctx
    controller = Controller(Keeper(a.dir), hostname='127.0.0.1', port=a.port,
                            decode_data=False, **kwargs)
    controller.start()
    print('smtp_sink: listening on 127.0.0.1:%d, mails in %s' % (a.port, a.dir),
          file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        pass
    controller.stop()


if __name__ == '__main__':
    asyncio.set_event_loop(asyncio.new_event_loop())
    main()
