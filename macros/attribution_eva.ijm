// ConceptScope: EVA (verified perturbation analysis) for every slice of one stack, as the macro
// recorder writes it. For each slice, bound propagation through the model's graph gives a verified
// lower bound of the predicted class's margin (its logit minus the largest other logit) over every
// image within epsilon (L-infinity, in the model's normalised input units) of the slice; a grid
// cell is important when fixing its pixels raises that guaranteed worst case most. The map is a
// guarantee, not an estimate: no sampling, no seed.
// Results in save_dir: <title>-eva.tif (the image + the map as last channel), <title>-eva-RoiSet.zip,
// <title>-eva-results.csv with, per slice, the margin and its verified lower and upper bounds
// for TensorFlow's float32 computation (they include the rounding_slack column), and verified = 1
// when the lower bound is > 0: no perturbation within epsilon can change the decision.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] save_dir=[/path/results]
//   bounds=crown (tighter linear bounds, default) or bounds=interval (faster)
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
checkKeys("attribution_eva.ijm", args, "image model save_dir bounds overwrite");
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";

bounds = call("ij.Macro.getValue", args, "bounds", "crown");
// Given arguments, or under -batch, nobody answers a dialog: a missing one is a sentence, not a wait.
if ((args != "" || is("batch mode")) && (image == "" || model == "" || saveDir == "")) {
	got = "no argument";
	if (args != "") got = args;
	exit("attribution_eva.ijm needs image=[...] model=[...] save_dir=[...]; got " + got + ".");
}
if (image == "") image = File.openDialog("Choose an image or stack");
if (model == "") model = getDirectory("Choose the model folder (it holds saved_model.pb)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
openImage("attribution_eva.ijm", "image", image);
run("Attribution...", "model=[" + model + "] method=eva target=predicted epsilon=0.01 grid=8 bounds=" + bounds + " output=channel top_fraction=0.1 save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);

// A key this macro does not read is refused: a misspelt one would fall back to its default in silence.
function checkKeys(name, args, keys) {
	words = split(replace(args, "\\[[^\\]]*\\]", ""), " ");
	for (i = 0; i < words.length; i++) {
		key = words[i];
		if (indexOf(key, "=") >= 0) key = substring(key, 0, indexOf(key, "="));
		if (key != "" && indexOf(" " + keys + " ", " " + key + " ") < 0) exit(name + " has no option '" + key + "'; its keys are: " + keys + ".");
	}
}

// The image this macro opens itself, or one sentence before any work: under -batch open() of a missing file only logs
// "File not found", of a file ImageJ cannot read opens nothing, and the command then said "No image is open".
function openImage(name, key, path) {
	if (!File.exists(path)) exit(name + ": " + key + "=[" + path + "] does not exist: give the path of an image file.");
	// opened: the active image is a new one. nImages alone can miss it (it also counts an active image no list holds,
	// which an earlier macro's setBatchMode(false) may leave under -batch), and ImageJ shows some files it cannot read
	// as a text window, which is no image
	before = 0;
	if (nImages > 0) before = getImageID();
	call("ij.IJ.redirectErrorMessages"); // a file ImageJ cannot read is logged, not a dialog
	open(path);
	opened = false;
	if (nImages > 0) {
		if (getImageID() != before) opened = true;
	}
	if (!opened) exit(name + ": ImageJ could not open " + key + "=[" + path + "] as an image: give a TIFF, PNG, JPEG or DICOM file.");
}
