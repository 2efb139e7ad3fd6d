"""The schema of every sync message: field names, kinds and ranges (see docs/wire.md).

A field spec is a tuple whose first item is its kind:

    (INT, lo, hi)            an integer lo..hi (never a bool)
    (TEXT, max_len)          any text of at most max_len characters
    (NAME, max_len)          an identifier, see names.py
    (WORD, max_len)          a lower-case word [a-z0-9_]
    (ONE_OF, (choice, ...))  one of the listed texts
    (BYTES, min_len, max_len)
    (BOOL,)
    (LIST, item_spec, min_items, max_items)
    (RECORD, fields)         a map with exactly these fields
    (NULLABLE, spec)         null or a value of spec

``fields`` is a tuple of ``(name, spec)``. Adding, removing or changing a field of a
message is a wire change: bump VERSION, update docs/wire.md and the committed vectors.
"""

INT = "int"
TEXT = "text"
NAME = "name"
WORD = "word"
ONE_OF = "one_of"
BYTES = "bytes"
BOOL = "bool"
LIST = "list"
RECORD = "record"
NULLABLE = "nullable"

VERSION = 1  # the "v" of every envelope

U8 = (INT, 0, 0xFF)
U16 = (INT, 0, 0xFFFF)
U32 = (INT, 0, 0xFFFFFFFF)
# Counters, sequence numbers, sessions and list versions stop at 2**63-1 so the hub can
# keep them in a signed 64-bit SQL column (BIGINT); card keys use all 64 bits.
COUNTER = (INT, 0, (1 << 63) - 1)
CARD_KEY = (INT, 0, (1 << 64) - 1)
TIMESTAMP = U32  # unix seconds, UTC; the same range as the compiled list's windows
HASH = (BYTES, 32, 32)  # sha256 of an encoded compiled list (docs/compiled-list.md)
ID = (NAME, 64)
DETAIL = (TEXT, 256)
CHUNK_MAX = 256 * 1024  # bytes of list data in one message (snapshot chunk or delta)

READER = (RECORD, (
    ("id", U16),  # reader id as in the compiled list
    ("kind", (WORD, 16)),  # "wiegand", "osdp", "serial", "usb", "sim", ...
    ("ok", (BOOL,)),  # the reader answers (OSDP online, Wiegand line idle-high, ...)
))

PHOTO_MAX = 16 * 1024 * 1024  # bytes of one access photo
BOX = (LIST, U16, 5, 5)  # [x0, y0, x1, y1, score]: pixels, score 0..1000
PHOTO_META = (RECORD, (
    ("taken", TIMESTAMP),
    ("width", (INT, 1, 0xFFFF)),
    ("height", (INT, 1, 0xFFFF)),
    ("faces", (NULLABLE, U8)),
    ("boxes", (LIST, BOX, 0, 255)),
    ("retain_until", TIMESTAMP),  # the edge's retention tag (SPEC §9)
))

EVENT_FIELDS = (
    ("seq", (INT, 1, (1 << 63) - 1)),  # per-controller sequence number, from 1
    ("ts", TIMESTAMP),
    ("reader", (NULLABLE, U16)),  # null for events of a door without a reader
    ("door", (NULLABLE, U16)),
    ("card", (NULLABLE, CARD_KEY)),  # card key (cardkey.py); null when no card was read
    ("kind", (WORD, 32)),  # "access", "door_forced", "door_held", "exit_button", ...
    ("reason", U8),  # the decision core's reason code (grant or why denied)
    ("granted", (BOOL,)),
    ("faces", (NULLABLE, U8)),  # faces detected on the photo; null when there is no photo
    ("photo", (NULLABLE, ID)),  # id of the photo uploaded separately
    ("historical", (BOOL,)),  # sent late from the outbox (recorded while offline)
)

SCHEMAS = {
    # edge -> hub, when it (re)connects; retained.
    "birth": (
        ("ctl", ID),
        ("session", COUNTER),  # +1 per connection; pairs birth and death (Sparkplug bdSeq)
        ("ts", TIMESTAMP),  # the edge's clock, so the hub can flag clock drift
        ("applied", (NULLABLE, COUNTER)),  # version of the active list; null: none yet
        ("horizon_left", U32),  # seconds until the active list's horizon ends
        ("firmware", (TEXT, 64)),
        ("pending", U32),  # events in the outbox not yet acknowledged
        ("readers", (LIST, READER, 0, 64)),
    ),
    # edge -> hub: the broker's last will (or sent on a clean shutdown); retained.
    "death": (
        ("ctl", ID),
        ("session", COUNTER),
    ),
    # hub -> every edge of a site; retained, the hub's will says online=false.
    "hub_status": (
        ("online", (BOOL,)),
        ("session", COUNTER),
    ),
    # hub -> edge: the list the edge should have; retained.
    "manifest": (
        ("version", COUNTER),
        ("hash", HASH),
        ("size", U32),  # bytes of the encoded snapshot
        ("chunk_size", (INT, 1, CHUNK_MAX)),
    ),
    # edge -> hub: send me a delta from `have`, or a snapshot from chunk `resume_from`.
    "list_request": (
        ("have", (NULLABLE, COUNTER)),
        ("want", (ONE_OF, ("delta", "snapshot"))),
        ("resume_from", U32),
    ),
    # hub -> edge: one chunk of the encoded snapshot of `version`.
    "snapshot_chunk": (
        ("version", COUNTER),
        ("index", U32),
        ("count", (INT, 1, 0xFFFFFFFF)),
        ("data", (BYTES, 0, CHUNK_MAX)),
    ),
    # hub -> edge: an encoded access-list delta (docs/compiled-list.md), carried opaque.
    "delta": (
        ("data", (BYTES, 1, CHUNK_MAX)),
    ),
    # edge -> hub: the list now active (after a snapshot, a delta or a card activation).
    "list_applied": (
        ("version", COUNTER),
        ("hash", HASH),
    ),
    # edge -> hub: a snapshot or delta could not be applied (reported per controller).
    "list_error": (
        ("version", (NULLABLE, COUNTER)),  # the version that failed, when known
        ("code", (ONE_OF, ("base_mismatch", "hash_mismatch", "invalid", "storage"))),
        ("detail", DETAIL),
    ),
    # edge -> hub: one event, or several in ascending seq order.
    "event": EVENT_FIELDS,
    "event_batch": (
        ("events", (LIST, (RECORD, EVENT_FIELDS), 1, 256)),
    ),
    # hub -> edge: every event with seq <= upto is stored; the edge may forget them.
    "event_ack": (
        ("upto", COUNTER),
    ),
    # hub -> edge: move a door. Never executed after `expires`.
    "command": (
        ("req", ID),
        ("op", (ONE_OF, ("unlock", "lock", "pulse"))),
        ("door", U16),
        ("expires", TIMESTAMP),
        ("duration_ms", (INT, 0, 3600000)),  # pulse: > 0; unlock: 0 = until "lock"; lock: 0
    ),
    # edge -> hub: what became of a command.
    "command_result": (
        ("req", ID),
        ("status", (ONE_OF, ("ok", "expired", "rejected", "failed"))),
        ("detail", DETAIL),
    ),
    # edge -> hub: one chunk of an access photo (docs/photos.md); chunk 0 carries its record.
    "photo_chunk": (
        ("photo", ID),  # "ev" + the zero-padded event seq
        ("seq", (INT, 1, (1 << 63) - 1)),  # the event the photo belongs to
        ("index", U32),
        ("count", (INT, 1, 0xFFFFFFFF)),
        ("size", (INT, 1, PHOTO_MAX)),  # bytes of the whole JPEG
        ("sha256", HASH),  # of the whole JPEG
        ("data", (BYTES, 0, CHUNK_MAX)),
        ("meta", (NULLABLE, PHOTO_META)),  # a map exactly when index is 0
    ),
    # hub -> edge: how many chunks of a photo the hub holds, contiguous from 0.
    "photo_ack": (
        ("photo", ID),
        ("next", U32),
        ("done", (BOOL,)),  # the whole photo is stored, its size and SHA-256 checked
    ),
}

TYPES = tuple(sorted(SCHEMAS))
