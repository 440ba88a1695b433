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
checkKeys("concept_localization.ijm", args, "image model concepts save_dir overwrite");
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
concepts = call("ij.Macro.getValue", args, "concepts", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
// Given arguments, or under -batch, nobody answers a dialog: a missing one is a sentence, not a wait.
if ((args != "" || is("batch mode")) && (image == "" || model == "" || concepts == "" || saveDir == "")) {
	got = "no argument";
	if (args != "") got = args;
	exit("concept_localization.ijm needs image=[...] model=[...] concepts=[...] save_dir=[...]; got " + got + ".");
}
if (image == "") image = File.openDialog("Choose an image or stack");
if (model == "") model = getDirectory("Choose the model folder (it holds saved_model.pb)");
if (concepts == "") concepts = File.openDialog("Choose concepts.json (from Concept Discovery)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
openImage("concept_localization.ijm", "image", image);
run("Concept Localization...", "model=[" + model + "] concepts=[" + concepts + "] top_fraction=0.1 output=channel save_dir=[" + saveDir + "]" + overwrite);
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
