from django.urls import path

from exports import api

project = "projects/<int:project_id>"
urlpatterns = [
    path("projects", api.ProjectList.as_view(), name="project-list"),
    path("projects/preview-clips", api.PreviewClips.as_view(), name="project-preview-clips"),
    path("projects/from-clips", api.FromClips.as_view(), name="project-from-clips"),
    path(project, api.ProjectDetail.as_view(), name="project-detail"),
    path(f"{project}/opened", api.ProjectOpened.as_view(), name="project-opened"),
    path(f"{project}/clips", api.ProjectClips.as_view(), name="project-clips"),
    path(f"{project}/clips/order", api.ProjectClipOrder.as_view(), name="project-clip-order"),
    path(
        f"{project}/clips/<int:project_clip_id>", api.ProjectClipDetail.as_view(), name="project-clip-detail"
    ),
    path(f"{project}/overlay", api.ProjectOverlay.as_view(), name="project-overlay"),
    path("downloads", api.Downloads.as_view(), name="download-list"),
    path("downloads/<int:video_id>", api.DownloadDetail.as_view(), name="download-detail"),
    path("downloads/<int:video_id>/file", api.DownloadFile.as_view(), name="download-file"),
]
