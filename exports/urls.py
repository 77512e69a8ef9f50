from django.urls import path

import videoeditor.converters  # noqa: F401  (registers <id:...>)
from exports import api, follow_api, highlights_api, review_api, share_api, tracking_api

project = "projects/<id:project_id>"
urlpatterns = [
    path("projects", api.ProjectList.as_view(), name="project-list"),
    path("projects/preview-clips", api.PreviewClips.as_view(), name="project-preview-clips"),
    path("projects/from-clips", api.FromClips.as_view(), name="project-from-clips"),
    path(project, api.ProjectDetail.as_view(), name="project-detail"),
    path(f"{project}/opened", api.ProjectOpened.as_view(), name="project-opened"),
    path(f"{project}/clips", api.ProjectClips.as_view(), name="project-clips"),
    path(f"{project}/clips/order", api.ProjectClipOrder.as_view(), name="project-clip-order"),
    path(
        f"{project}/clips/<id:project_clip_id>", api.ProjectClipDetail.as_view(), name="project-clip-detail"
    ),
    path(f"{project}/overlay", api.ProjectOverlay.as_view(), name="project-overlay"),
    path(f"{project}/framing/discard", api.ProjectFramingDiscard.as_view(), name="project-framing-discard"),
    path(f"{project}/working-video/file", api.WorkingVideoFile.as_view(), name="project-working-video-file"),
    path(f"{project}/exports", api.ProjectExports.as_view(), name="project-exports"),
    path("exports", api.ExportList.as_view(), name="export-list"),
    path("exports/active", api.ActiveExports.as_view(), name="export-active"),
    path("exports/recent", api.RecentExports.as_view(), name="export-recent"),
    path("exports/<str:job_id>", api.ExportDetail.as_view(), name="export-detail"),
    path("downloads", api.Downloads.as_view(), name="download-list"),
    path("downloads/<id:video_id>", api.DownloadDetail.as_view(), name="download-detail"),
    path("downloads/<id:video_id>/file", api.DownloadFile.as_view(), name="download-file"),
]
urlpatterns += tracking_api.urlpatterns + highlights_api.urlpatterns + follow_api.urlpatterns
urlpatterns += review_api.urlpatterns + share_api.urlpatterns
