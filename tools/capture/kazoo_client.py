#!/usr/bin/python3
"""Capture driver for kazoo: a transaction and get_children. Usage: kazoo_client.py HOST:PORT"""
import sys

from kazoo.client import KazooClient

zk = KazooClient(hosts=sys.argv[1])
zk.start(timeout=10)
zk.ensure_path("/k")
tx = zk.transaction()
tx.create("/k/a", b"1")
tx.create("/k/b", b"2", ephemeral=True)
tx.set_data("/k", b"top")
tx.check("/k/a", 0)
print("commit", tx.commit())
tx = zk.transaction()
tx.delete("/k/missing")
tx.create("/k/c", b"")
print("commit fail", tx.commit())
print("children", zk.get_children("/k"))
print("children2", zk.get_children("/k", include_data=True))
print("get", zk.get("/k"))
zk.stop()
zk.close()
