#!/usr/bin/env python3
"""Writes the committed seed corpora under Fuzz/Corpus/ from the golden files of every codec
version (snapshots/golden/v*/) and from the documented frames and bodies. Run from the
repository root after adding a golden version: python3 Fuzz/seeds.py"""
import glob
import hashlib
import json
import os
import struct
import subprocess

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.path.join(root, "Fuzz", "Corpus")


def put(target, data):
    directory = os.path.join(corpus, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def frames(segment):
    offset = 32
    while offset + 12 <= len(segment):
        length, _crc, kind = struct.unpack_from("<IIB", segment, offset)
        if kind == 0 or offset + 12 + length > len(segment):
            return
        yield kind, segment[offset + 12: offset + 12 + length]
        offset += (12 + length + 7) & ~7


for path in sorted(glob.glob(os.path.join(root, "snapshots/golden/v*/wal/*.wal"))):
    segment = open(path, "rb").read()
    put("SegmentScannerFuzzer", segment)
    put("SegmentScannerFuzzer", segment[: len(segment) // 2])
    for kind, payload in frames(segment):
        put("EventCodecFuzzer", bytes([kind]) + payload)

for path in sorted(glob.glob(os.path.join(root, "snapshots/golden/v*/snapshots/*.snap"))):
    snapshot = open(path, "rb").read()
    put("SnapshotLoaderFuzzer", b"\x00" + snapshot)
    frame = snapshot[128:]
    body = subprocess.run(["lz4", "-d", "-c"], input=frame, capture_output=True, check=True).stdout
    put("SnapshotLoaderFuzzer", b"\x01" + struct.pack("<I", len(body)) + frame)
    put("SnapshotLoaderFuzzer", b"\x02" + body)

for path in sorted(glob.glob(os.path.join(root, "snapshots/golden/*/history/*.hist")) + sorted(glob.glob(os.path.join(root, "snapshots/golden/history-v*/*.hist")))):
    history = open(path, "rb").read()
    put("HistoryFileFuzzer", history)
    put("HistoryFileFuzzer", history[: len(history) // 2])

client_frames = [
    {"type": "message", "conversation_id": "conv_12", "content": "Hello", "client_message_id": "c-1"},
    {"type": "message", "message": "Hi there"},
    {"type": "message", "conversation_id": "00000001-0000-4000-8000-00000000000c", "content": "omni", "client_message_id": "x"},
    {"type": "typing_start", "conversation_id": "conv_3"},
    {"type": "typing_stop", "conversation_id": "conv_3"},
    {"type": "read", "conversation_id": "conv_3", "message_id": "msg_44"},
    {"type": "resume", "positions": {"conv_3": 17, "conv_4": 0}},
    {"type": "resume", "positions": {"00000001-0000-4000-8000-000000000003": 2}},
    {"type": "get_state"},
    {"type": "init", "name": "Vera"},
    {"type": "subscribe", "channels": ["conversations", "messages"]},
    {"type": "auth", "token": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"},
    {"type": "ping"},
]
for frame in client_frames:
    put("ClientFramesFuzzer", json.dumps(frame).encode())

# The selector byte is the index in RequestBodies.all (Fuzz/Sources/RequestBodiesFuzzer).
bodies = {
    0: {"chat": {"name": "Night shift", "member_ids": [2, 3], "channel": False, "public": True}},
    1: {"itemUuid": "item-1", "text": "Hello", "idempotencyKey": "k-1", "companyUuid": "00000001-0000-4000-8000-000000000001"},
    2: {"status": "away"},
    3: {"conversation_id": "conv_1", "is_typing": True},
    4: {"text": "Сколько стоит доставка?", "conversation_id": "conv_1"},
    5: {"username": "alice", "password": "correct horse", "site_id": "site_1"},
    6: {"refresh_token": "rt_abc"},
    7: {"agent_id": "agent_2"},
    8: {"reason": "resolved"},
    9: {"site_id": "site_1", "visitor_id": "v1", "subject": "Refund", "metadata": {"plan": "pro"}},
    10: {"conversation_id": "conv_1", "message_id": "msg_3"},
    11: {"conversation_id": "conv_1", "type": "text", "content": "Hi", "client_message_id": "c-1"},
    13: {"site_id": "site_1", "visitor_id": "v1", "name": "Vera", "email": "vera@example.org"},
    14: {"conversation_id": "00000001-0000-4000-8000-000000000001", "instructions": "be brief"},
    15: {"provider": "local", "auto_respond": True, "api_key": None},
    16: {"from": "2026-01-01", "to": "2026-02-01", "format": "csv"},
    17: {"token": "inv_x", "password": "correct horse", "name": "Ann"},
    18: {"email": "a@b.co", "password": "correct horse", "totp_code": "123456"},
    20: {"email": "a@b.co", "password": "correct horse", "company_name": "Shop"},
    21: {"plan": "pro"},
    22: {"name": "Widget", "greeting": "Hi!", "allowed_origins": ["https://shop.example"]},
    24: {"customer_id": "00000001-0000-4000-8000-000000000009", "subject": "Help", "metadata": {"a": 1}},
    25: {"user_id": "u-42", "email": "vera@example.org", "name": "Vera", "session_id": "s-1"},
    26: {"query": "refund policy", "limit": 5},
    27: {"content": "Hello", "attachments": []},
    28: {"email": "new@shop.example", "role": "agent"},
    29: {"role": "admin"},
    30: {"code": "123456"},
    31: {"url": "https://hooks.example/parley", "events": ["message.received"], "secret": "s3cret"},
    32: {"enabled": False},
    33: {"status": "closed", "end_time": "2026-12-03T09:00:00Z"},
    34: {"name": "Ann", "email": "ann@shop.example"},
    35: {"session_id": "s-1", "name": "Vera"},
    36: {"conversation_id": "00000001-0000-4000-8000-000000000001", "rating": 5, "comment": "great"},
    37: {"session_id": "s-1", "content": "Hello", "client_message_id": "c-1"},
}
for selector, body in bodies.items():
    put("RequestBodiesFuzzer", bytes([selector]) + json.dumps(body).encode())
# Redis replies as the cluster reads them (the first byte picks where the rest is split).
redis_replies = [
    b"+OK\r\n", b"-NOSCRIPT No matching script.\r\n", b":42\r\n", b"$5\r\nhello\r\n", b"$-1\r\n", b"*-1\r\n",
    b"*2\r\n:7\r\n$3\r\nabc\r\n",
    b"*3\r\n$7\r\nmessage\r\n$16\r\nparley:ephemeral\r\n$4\r\n\x00\x01\r\n\r\n",
    b"*1\r\n*2\r\n$10\r\nparley:log\r\n*1\r\n*2\r\n$3\r\n0-7\r\n*4\r\n$1\r\nt\r\n$1\r\n\x03\r\n$1\r\np\r\n$2\r\nhi\r\n",
    b"*1\r\n" * 9 + b":1\r\n", b"*2147483647\r\n", b"$9999999999\r\n",
]
for reply in redis_replies:
    put("RedisReplyFuzzer", bytes([len(reply) // 2]) + reply)
print("seed corpora:", {d: len(os.listdir(os.path.join(corpus, d))) for d in sorted(os.listdir(corpus))})
