"""The rendering library: plain data in, encoded video out. No Django imports."""
