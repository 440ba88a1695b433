// ConceptScope: Model Info, as the macro recorder writes it.
// Prints the model's signature, normalisation, classes and layers to the Log and, with
// save_dir, writes <model>-info.txt and <model>-layers.csv there.
//
// Arguments (macro-option style, all optional when run from the editor):
//   model=[/path/model folder] save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "model_info.ijm", args, "model save_dir overwrite", "model save_dir") != "") exit;
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the model report");

run("Model Info...", "model=[" + model + "] save_dir=[" + saveDir + "]" + overwrite);
