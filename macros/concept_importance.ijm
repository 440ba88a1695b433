// ConceptScope: Concept Importance of saved concepts on one stack, as the macro recorder writes it.
// Uses the concepts.json written by concept_discovery.ijm and ranks its concepts three ways:
// Sobol total indices (what Concept Discovery uses; the bank is saved again with them), the
// gradient x coefficient of each concept (one pass) and the logit drop when a concept is removed.
// Results in save_dir, per estimator: concepts-importance-<estimator>.csv (concept, estimator,
// importance, rank, bank_importance) and concepts-importance-<estimator>.png (bar plot); and
// concepts.json (the bank with the Sobol importances). The Sobol run passes overwrite: with save_dir the
// bank's own folder it replaces the bank; a rerun into a save_dir that already holds this macro's files is
// refused before any run, naming the file, and changes nothing.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] concepts=[/path/concepts.json] save_dir=[/path/results]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
checkKeys("concept_importance.ijm", args, "image model concepts save_dir overwrite");
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
	exit("concept_importance.ijm needs image=[...] model=[...] concepts=[...] save_dir=[...]; got " + got + ".");
}
if (image == "") image = File.openDialog("Choose a stack of images of the concepts' class");
if (model == "") model = getDirectory("Choose the model folder (it holds saved_model.pb)");
if (concepts == "") concepts = File.openDialog("Choose concepts.json (from Concept Discovery)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
openImage("concept_importance.ijm", "image", image);
// The Sobol run passes overwrite (it may replace the bank in its own folder), so its own earlier files are
// refused here, before any run: a rerun without overwrite changes nothing, as the other two runs promise.
if (overwrite == "") {
	folder = saveDir;
	if (!endsWith(folder, File.separator)) folder = folder + File.separator; // getDirectory's answer ends with one
	for (i = 0; i < 2; i++) {
		earlier = folder + "concepts-importance-sobol." + substring("csvpng", 3 * i, 3 * i + 3);
		if (File.exists(earlier)) exit("concept_importance.ijm: " + earlier + " already exists (an earlier run's output): choose another save_dir, or tick 'Overwrite files in save_dir' (overwrite=true) to replace it; nothing was changed.");
	}
}
stack = getTitle(); // each run's plot becomes the current image: select the stack again for the next one
run("Concept Importance...", "model=[" + model + "] concepts=[" + concepts + "] estimator=sobol designs=32 seed=42 update_bank=true save_dir=[" + saveDir + "] overwrite");
selectImage(stack);
run("Concept Importance...", "model=[" + model + "] concepts=[" + concepts + "] estimator=gradient save_dir=[" + saveDir + "]" + overwrite);
selectImage(stack);
run("Concept Importance...", "model=[" + model + "] concepts=[" + concepts + "] estimator=deletion save_dir=[" + saveDir + "]" + overwrite);
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
