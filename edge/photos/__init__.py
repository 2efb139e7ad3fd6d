"""Access photos on the edge: capture off the door path, the local store, and the chunked,
resumable upload to the hub. See docs/photos.md.
"""
