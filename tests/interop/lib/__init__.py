"""Helpers for the svcbgp interop suite: namespaces, real BGP daemons, and the bgpspeak driver."""
