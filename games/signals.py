"""Signals other apps listen to (games never imports them): `exports` keeps the
5-star projects and re-extracts edited clips that projects use."""

from django.dispatch import Signal

# sender=Clip, clip=<Clip>, before=<dict, None when created>, deleted=<bool, only when True>
# The dicts hold start_time, end_time and rating.
clip_changed = Signal()

# sender=Game, game=<Game>: receivers return a sentence saying why the game cannot be
# deleted now, or None. exports answers while an export reads the game's clips.
game_delete_blockers = Signal()

# sender=Game, game=<Game>: receivers return a sentence saying what else a delete of the
# game takes with it (or None). exports names the projects that use its clips.
game_delete_effects = Signal()

# sender=Game, game=<Game>, first=<bool: the game had no video before>: sent once a
# new video is committed and probed (its size is known, so clips can be framed).
video_ready = Signal()
