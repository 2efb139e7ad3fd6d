"""Face detection on the device: a small detector port and the BlazeFace plugin.

``plugins.make_detector("blazeface", {...})`` builds a detector from configuration; its
``detect(image)`` returns a :class:`~edge.faces.types.FaceResult` (face count and boxes in
the original image's pixel coordinates). See docs/faces.md.
"""
