// ConceptScope: TCAV (Kim et al. 2018) from folders, as the macro recorder writes it, then the saved
// CAVs scored on the same images as a concept bank.
// concepts: one subfolder of example images per concept (the subfolder's name is the concept's);
// random: images without the concepts, the counterexamples; folder: images of the class tested.
// Results in save_dir: tcav.csv (concept, layer, class, tcav_score, score_std, random_score,
// random_std, magnitude, cav_accuracy, p_value, significant, runs, examples), tcav.png (scores
// against random CAVs), cavs.json (the CAVs), and from the second run tcav-scores.csv and .png.
//
// Arguments (macro-option style, all optional when run from the editor):
//   model=[/path/model folder] folder=[/path/class images] concepts=[/path/concepts]
//   random=[/path/random images] target=[class] layers=[a,b] runs=20 save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "tcav.ijm", args, "model folder concepts random target layers runs save_dir overwrite", "model folder concepts random save_dir") != "") exit;
model = call("ij.Macro.getValue", args, "model", "");
folder = call("ij.Macro.getValue", args, "folder", "");
concepts = call("ij.Macro.getValue", args, "concepts", "");
randomDir = call("ij.Macro.getValue", args, "random", "");
target = call("ij.Macro.getValue", args, "target", "predicted");
layers = call("ij.Macro.getValue", args, "layers", "");
runs = call("ij.Macro.getValue", args, "runs", "20");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (folder == "") folder = getDirectory("Choose a folder of images of the class tested");
if (concepts == "") concepts = getDirectory("Choose the concepts folder (one subfolder of examples per concept)");
if (randomDir == "") randomDir = getDirectory("Choose a folder of random counterexamples");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
run("TCAV...", "model=[" + model + "] folder=[" + folder + "] concepts=[" + concepts + "] random=[" + randomDir + "] target=[" + target + "] layers=[" + layers + "] runs=" + runs + " alpha=0.05 seed=42 save_dir=[" + saveDir + "]" + overwrite);
run("TCAV...", "model=[" + model + "] folder=[" + folder + "] target=[" + target + "] cavs=[" + saveDir + File.separator + "cavs.json] save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
