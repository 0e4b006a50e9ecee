"""The coordinators' desk: the third process, holding the report private key."""
