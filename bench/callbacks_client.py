#!/usr/bin/env python3
"""Sends N completed callbacks one at a time, each on a new TLS connection that resumes
the previous connection's session (as wrk's connections do). For bench/instructions.sh.
Usage: callbacks_client.py PORT PATH N"""
import socket, ssl, sys, time

port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
session, answered, resumed = None, 0, 0
run = int(time.time() * 1000) % 10**9
for index in range(count):
    task = f"task-unified-1761313744-i{run}_{index}"
    body = ('{"created":1761313744,"id":"%s","model":"seedance-1.5-pro","object":"video.generation.task",'
            '"progress":100,"results":["https://media.example.com/videos/%s.mp4"],"status":"completed",'
            '"task_info":{"can_cancel":false,"video_duration":8},"type":"video",'
            '"usage":{"billing_rule":"per_call","credits_reserved":8,"user_group":"default"}}') % (task, task)
    request = (f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode()
    tls = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost",
                              session=session)
    tls.sendall(request)
    answer = b""
    while chunk := tls.recv(4096):
        answer += chunk
    resumed += tls.session_reused
    session = tls.session
    tls.close()
    answered += answer.startswith(b"HTTP/1.1 200")
if answered != count:
    raise SystemExit(f"only {answered} of {count} callbacks were answered 200")
print(f"{count} callbacks answered 200, {resumed} over resumed sessions")
