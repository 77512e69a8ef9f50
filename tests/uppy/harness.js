// A stock Uppy as a page would set it up: the only option is where the
// Companion-style routes are. Golden Retriever (no options) keeps the upload id
// across a closed page, as Uppy's docs suggest for resumable uploads.
// The page names its game in the files' metadata, read from ?game=.
import AwsS3 from '@uppy/aws-s3'
import Uppy from '@uppy/core'
import GoldenRetriever from '@uppy/golden-retriever'

const game = new URLSearchParams(window.location.search).get('game')
const uppy = new Uppy({ id: 'videoeditor', meta: { game_id: game } })
  .use(AwsS3, { companionEndpoint: '/api/uppy' })
  .use(GoldenRetriever)

const events = []
uppy.on('s3-multipart:part-uploaded', (file, part) => events.push({ type: 'part', number: part.PartNumber }))
uppy.on('upload-success', (file, response) => events.push({ type: 'success', key: response.body.key }))
uppy.on('upload-error', (file, error) => events.push({ type: 'error', message: String(error) }))
uppy.on('restored', () => events.push({ type: 'restored' }))

document.querySelector('input[type=file]').addEventListener('change', (event) => {
  // A file restored by Golden Retriever (a closed page's upload) comes back
  // without its bytes; choosing it again gives them back, and 'restore-confirmed'
  // (what Uppy's Dashboard emits for its Resume button) resumes that upload.
  const resuming = uppy.getState().recoveredState != null
  for (const file of event.target.files) {
    uppy.addFile({ name: file.name, type: file.type, data: file, source: 'input' })
  }
  if (resuming) uppy.emit('restore-confirmed')
  else uppy.upload()
})

window.uppy = uppy
window.uppyEvents = events
