// ConceptScope: Concept Localization of saved concepts on one stack, as the recorder writes it.
// Uses the concepts.json written by concept_discovery.ijm; for every slice and concept: a map
// (an extra channel of a new image) and an ROI over the top 10 % of the map.
// Results in save_dir: <title>-concepts.tif (image channels + one channel per concept, ROIs as
// overlay), <title>-concept-labels.tif (the dominant concept at each pixel, 0 where none),
// <title>-concepts-RoiSet.zip (ROIs named "concept k; <class>; slice=z") and
// <title>-concepts-results.csv (per slice: mean and max coefficient of each concept).
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] concepts=[/path/concepts.json] save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "concept_localization.ijm", args, "image model concepts save_dir overwrite", "image model concepts save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
concepts = call("ij.Macro.getValue", args, "concepts", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (image == "") image = File.openDialog("Choose an image or stack");
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (concepts == "") concepts = File.openDialog("Choose concepts.json (from Concept Discovery)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "concept_localization.ijm", "image", image) != "") exit;
run("Concept Localization...", "model=[" + model + "] concepts=[" + concepts + "] top_fraction=0.1 output=channel save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
