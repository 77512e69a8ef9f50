from django.urls import path

import videoeditor.converters  # noqa: F401  (registers <id:...>)
from games import api, companion, picture_api

upload = "games/<id:game_id>/uploads/<uuid:upload_id>"
uppy = "uppy/s3/multipart/<uuid:upload_id>"
urlpatterns = [
    path("games", api.GameList.as_view(), name="game-list"),
    path("games/tournaments", api.Tournaments.as_view(), name="game-tournaments"),
    path("games/<id:game_id>", api.GameDetail.as_view(), name="game-detail"),
    path("games/<id:game_id>/deletion", api.GameDeletion.as_view(), name="game-deletion"),
    path("games/<id:game_id>/video", api.GameVideo.as_view(), name="game-video"),
    path("games/<id:game_id>/upload-url", api.UploadURL.as_view(), name="game-upload-url"),
    path("games/<id:game_id>/confirm-video", api.ConfirmVideo.as_view(), name="game-confirm-video"),
    path("games/<id:game_id>/clips", api.ClipList.as_view(), name="clip-list"),
    path("games/<id:game_id>/clips.tsv", api.ClipsTSV.as_view(), name="clip-tsv"),
    path("clips/<id:clip_id>", api.ClipDetail.as_view(), name="clip-detail"),
    path("tags", api.Tags.as_view(), name="tags"),
    path("pictures/<id:picture_id>", picture_api.PictureFile.as_view(), name="picture-file"),
    path("games/<id:game_id>/uploads", api.UploadList.as_view(), name="upload-list"),
    path(upload, api.UploadDetail.as_view(), name="upload-detail"),
    path(f"{upload}/parts", api.UploadParts.as_view(), name="upload-parts"),
    path(f"{upload}/parts/<int:number>", api.UploadPart.as_view(), name="upload-part"),
    path(f"{upload}/parts/<int:number>/url", api.UploadPartURL.as_view(), name="upload-part-url"),
    path(f"{upload}/complete", api.CompleteUpload.as_view(), name="upload-complete"),
    path(f"{upload}/progress", api.UploadProgress.as_view(), name="upload-progress"),
    # Companion's S3 routes for a stock Uppy: endpoint "/api/uppy" (games/companion.py)
    path("uppy/s3/params", companion.Params.as_view(), name="uppy-params"),
    path("uppy/s3/multipart", companion.Multipart.as_view(), name="uppy-multipart"),
    path(uppy, companion.MultipartUpload.as_view(), name="uppy-multipart-upload"),
    path(f"{uppy}/<int:number>", companion.MultipartPart.as_view(), name="uppy-multipart-part"),
    path(f"{uppy}/complete", companion.MultipartComplete.as_view(), name="uppy-multipart-complete"),
]
