// ConceptScope: Concept Importance of saved concepts on one stack, as the macro recorder writes it.
// Uses the concepts.json written by concept_discovery.ijm and ranks its concepts three ways:
// Sobol total indices (what Concept Discovery uses; the bank is saved again with them), the
// gradient x coefficient of each concept (one pass) and the logit drop when a concept is removed.
// Results in save_dir, per estimator: concepts-importance-<estimator>.csv (concept, estimator,
// importance, rank, bank_importance) and concepts-importance-<estimator>.png (bar plot); and
// concepts.json (the bank with the Sobol importances): with save_dir the bank's own folder the Sobol run updates the
// bank in place (the bank it reads is no earlier output); a rerun into a save_dir that already holds this macro's
// files is refused before any run, naming the file, and changes nothing.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] concepts=[/path/concepts.json] save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "concept_importance.ijm", args, "image model concepts save_dir overwrite", "image model concepts save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
concepts = call("ij.Macro.getValue", args, "concepts", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (image == "") image = File.openDialog("Choose a stack of images of the concepts' class");
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (concepts == "") concepts = File.openDialog("Choose concepts.json (from Concept Discovery)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "concept_importance.ijm", "image", image) != "") exit;
stack = getTitle(); // each run's plot becomes the current image: select the stack again for the next one
run("Concept Importance...", "model=[" + model + "] concepts=[" + concepts + "] estimator=sobol designs=32 seed=42 update_bank=true save_dir=[" + saveDir + "]" + overwrite);
selectImage(stack);
run("Concept Importance...", "model=[" + model + "] concepts=[" + concepts + "] estimator=gradient save_dir=[" + saveDir + "]" + overwrite);
selectImage(stack);
run("Concept Importance...", "model=[" + model + "] concepts=[" + concepts + "] estimator=deletion save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
