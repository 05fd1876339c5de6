#!/bin/sh
# OpenWrt runs a login shell here (or asks for a password when system.ttylogin is 1).
exec /bin/ash --login
