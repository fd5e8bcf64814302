"""Directories (LDAP, Active Directory): users, nested groups, SIDs, logins."""
