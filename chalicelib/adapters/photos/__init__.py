"""Reading photos: a storage port with an S3 adapter (presigned POST/GET) and a local one for ``make run``."""
