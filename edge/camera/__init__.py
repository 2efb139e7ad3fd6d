"""The camera port: grab one RGB frame on demand (an access attempt), from real hardware
(OpenCV, picamera2; both imported only when such a camera opens) or from image files
(tests and the simulator). ``config.make_camera(kind, options)`` builds one from
configuration. See docs/faces.md.
"""
