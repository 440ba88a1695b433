package org.conceptscope.fiji;

import ij.CompositeImage;
import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.Menus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.ImageWindow;
import ij.measure.ResultsTable;
import ij.plugin.frame.Recorder;
import ij.plugin.frame.RoiManager;
import ij.text.TextWindow;

import java.awt.Button;
import java.awt.Choice;
import java.awt.TextField;
import java.awt.Component;
import java.awt.Container;
import java.awt.GraphicsEnvironment;
import java.awt.Menu;
import java.awt.MenuBar;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

import javax.imageio.ImageIO;
import javax.swing.SwingUtilities;

/**
 * ImageJ 1.x with its windows, in a child JVM that has a display (an Xvfb server started by
 * {@link GuiTest}): ConceptScope installed from a plugins folder (a jar holding plugins.config, the
 * classes on the class path), its menu read back, every command's dialog opened from the menu and
 * captured from the screen, then a macro run with a display (result image, ROI Manager, results
 * table) and commands run by IJ.run with options; the windows' contents go to report.properties
 * for the test to check, the screenshots to PNG files.
 * <p>
 * {@code GuiChild <model> <stack> <concepts.json> <output folder>}
 */
public final class GuiChild {

	/** Menu labels and the titles of their dialogs. */
	static final Map<String, String> DIALOGS = new LinkedHashMap<>();

	static {
		DIALOGS.put("Attribution...", "ConceptScope Attribution");
		DIALOGS.put("Model Info...", "ConceptScope Model Info");
		DIALOGS.put("Concept Discovery...", "ConceptScope Concept Discovery");
		DIALOGS.put("Concept Localization...", "ConceptScope Concept Localization");
		DIALOGS.put("Concept Importance...", "ConceptScope Concept Importance");
		DIALOGS.put("Evaluate Explanation...", "ConceptScope Evaluate Explanation");
		DIALOGS.put("Sharing Ratio Decomposition...", "ConceptScope Sharing Ratio Decomposition");
		DIALOGS.put("Concept Graph...", "ConceptScope Concept Graph");
		DIALOGS.put("Train Interpretable Head...", "ConceptScope Train Interpretable Head");
		DIALOGS.put("Explain with Head...", "ConceptScope Explain with Head");
		DIALOGS.put("Feature Visualization...", "ConceptScope Feature Visualization");
		DIALOGS.put("TCAV...", "ConceptScope TCAV");
		DIALOGS.put("Nearest Examples...", "ConceptScope Nearest Examples");
	}

	/** The commands that work on the current image (their dialog needs one). */
	static final List<String> IMAGE_COMMANDS = List.of("Attribution...", "Concept Localization...", "Sharing Ratio Decomposition...",
		"Explain with Head...");

	private final Properties report = new Properties();
	private final Path out;
	private final Robot robot;

	private GuiChild(Path out) throws Exception {
		this.out = out;
		this.robot = new Robot();
	}

	public static void main(String[] args) throws Exception {
		Path model = Path.of(args[0]), stack = Path.of(args[1]), bank = Path.of(args[2]), out = Path.of(args[3]);
		GuiChild child = new GuiChild(out);
		int status = 0;
		try {
			child.run(model, stack, bank);
		} catch (Throwable t) {
			child.report.setProperty("failure", t.toString());
			t.printStackTrace();
			status = 1;
		} finally {
			try (OutputStream o = Files.newOutputStream(out.resolve("report.properties"))) {
				child.report.store(o, "GuiChild");
			}
		}
		// TensorFlow's threads and the AWT event thread must not keep this JVM alive.
		System.exit(status);
	}

	private void run(Path model, Path stack, Path bank) throws Exception {
		report.setProperty("headless", Boolean.toString(GraphicsEnvironment.isHeadless()));
		ImageJ ij = new ImageJ(ImageJ.STANDALONE);
		ij.setLocation(0, 0);
		waitForIdle();
		readMenu();
		// With no image open, the commands that explain the current image say so instead of opening their dialog.
		for (String label : IMAGE_COMMANDS) noImage(label);
		ImagePlus open = IJ.openImage(stack.toString());
		open.show();
		waitForIdle();
		for (Map.Entry<String, String> d : DIALOGS.entrySet()) captureDialog(d.getKey(), d.getValue());
		onEdt(() -> {
			open.changes = false;
			open.close();
		});
		waitForIdle();

		recordAndReplay(model, stack);
		recordUntickedBias(model, stack);
		graphInBatchMode(model, stack);

		// The recorded macro path with a display: no batch mode, so the results go to windows.
		String macro = "open('" + stack + "');\n"
			+ "run('Attribution...', 'model=[" + model + "] method=saliency target=predicted top_fraction=0.1');\n";
		runMacro(macro);
		waitForIdle();
		String title = "ihc-heldout-patches-saliency";
		ImagePlus result = WindowManager.getImage(title);
		report.setProperty("result.found", Boolean.toString(result != null));
		if (result != null) {
			report.setProperty("result.showing", Boolean.toString(result.getWindow() != null && result.getWindow().isShowing()));
			report.setProperty("result.channels", Integer.toString(result.getNChannels()));
			report.setProperty("result.slices", Integer.toString(result.getNSlices()));
			report.setProperty("result.composite", Boolean.toString(result.isComposite()));
			report.setProperty("result.overlay", Integer.toString(result.getOverlay() == null ? 0 : result.getOverlay().size()));
			if (result instanceof CompositeImage ci) {
				report.setProperty("result.mode", Integer.toString(ci.getMode()));
				report.setProperty("result.lastLut.red.255", Integer.toString(ci.getChannelLut(result.getNChannels()).getRed(255)));
			}
		}
		RoiManager rm = RoiManager.getInstance();
		report.setProperty("roimanager.count", Integer.toString(rm == null ? 0 : rm.getCount()));
		report.setProperty("roimanager.showing", Boolean.toString(rm != null && rm.isShowing()));
		if (rm != null) {
			List<String> names = new ArrayList<>();
			for (int i = 0; i < rm.getCount(); i++) names.add(rm.getName(i));
			report.setProperty("roimanager.names", String.join("\n", names));
		}
		report(table(title + "-results"), "table");

		// The session as a user sees it: the input stack and the result (zoomed: the slices are 32 x
		// 32) on a DAB-positive slice with that slice's ROI, the ROI Manager, the results table.
		ImagePlus input = WindowManager.getImage("ihc-heldout-patches.tif");
		if (result != null && rm != null && input != null) {
			ImageWindow w = result.getWindow(), in = input.getWindow();
			Window tableWindow = WindowManager.getWindow(title + "-results");
			IJ.run(result, "Set... ", "zoom=800");
			IJ.run(input, "Set... ", "zoom=800");
			onEdt(() -> {
				input.setSlice(10);
				in.setLocation(0, 125);
				w.setLocation(in.getWidth() + 10, 125);
				rm.setBounds(in.getWidth() + w.getWidth() + 20, 125, 330, w.getHeight());
				rm.select(result, 9);
				if (tableWindow != null) tableWindow.setBounds(0, 125 + w.getHeight() + 10, in.getWidth() + w.getWidth() + 350, 260);
				w.toFront();
			});
			waitForIdle();
			Thread.sleep(500);
			capture(w.getBounds(), "attribution-result.png");
			Rectangle all = w.getBounds().union(in.getBounds()).union(rm.getBounds()).union(IJ.getInstance().getBounds());
			if (tableWindow != null) all = all.union(tableWindow.getBounds());
			capture(all, "attribution-session.png");
		}

		// Commands run by their menu names with options, as a plugin or script would.
		ImagePlus image = IJ.openImage(stack.toString());
		image.show();
		waitForIdle();
		IJ.run(image, "Evaluate Explanation...", "model=[" + model + "] method=saliency metric=deletion steps=8");
		waitForIdle();
		report(table("saliency deletion"), "evaluation");
		report.setProperty("evaluation.plot", Boolean.toString(WindowManager.getImage("saliency deletion") != null));
		IJ.run(image, "Concept Importance...", "model=[" + model + "] concepts=[" + bank + "] estimator=deletion");
		waitForIdle();
		report(table("Concept importance (deletion)"), "importance");
		ImagePlus plot = WindowManager.getImage("Concept importance DAB-positive (deletion)");
		report.setProperty("importance.plot", Boolean.toString(plot != null && plot.getWindow() != null && plot.getWindow().isShowing()));
		if (plot != null) capture(plot.getWindow().getBounds(), "concept-importance-plot.png");
		report.setProperty("done", "true");
	}

	/** The ConceptScope submenu of Plugins, and the class behind each command. */
	private void readMenu() {
		MenuBar bar = Menus.getMenuBar();
		List<String> items = new ArrayList<>();
		for (int m = 0; m < bar.getMenuCount(); m++) {
			Menu menu = bar.getMenu(m);
			if (!menu.getLabel().equals("Plugins")) continue;
			for (int i = 0; i < menu.getItemCount(); i++) {
				if (menu.getItem(i) instanceof Menu sub && sub.getLabel().equals("ConceptScope")) {
					for (int j = 0; j < sub.getItemCount(); j++) items.add(sub.getItem(j).getLabel());
				}
			}
		}
		report.setProperty("menu.ConceptScope", String.join(";", items));
		for (String label : DIALOGS.keySet()) {
			Object className = Menus.getCommands().get(label);
			report.setProperty("command." + label, String.valueOf(className));
		}
	}

	/** Runs a menu command without options (as a click does), captures its dialog, then cancels it. */
	private void captureDialog(String label, String title) throws Exception {
		IJ.doCommand(label);
		GenericDialog gd = dialog(title);
		if (gd == null) throw new IllegalStateException("'" + label + "' from the menu opened no dialog '" + title + "' in 60 s.");
		report.setProperty("dialog." + label, gd.getTitle());
		GenericDialog dialog = gd;
		onEdt(() -> dialog.setLocation(20, 120));
		waitForIdle();
		Thread.sleep(300);
		java.util.Set<String> shown = new java.util.LinkedHashSet<>(List.of(fieldLabels(dialog).split(";")));
		capture(dialog.getBounds(), "dialog-" + label.replace("...", "").replace(' ', '-').toLowerCase(java.util.Locale.ROOT) + ".png");
		// each method's fields in turn, as a user picks it: the dialog at its largest, and every field it shows for some method
		int width = dialog.getWidth(), height = dialog.getHeight();
		String tallest = "";
		org.conceptscope.fiji.param.CommandSpec spec = org.conceptscope.fiji.param.CommandSpecs.of(label);
		if (spec.methodKey() != null) {
			Choice method = choiceField(dialog, spec.methodKey());
			String initial = method.getSelectedItem();
			for (int i = 0; i < method.getItemCount(); i++) {
				String item = method.getItem(i);
				choose(method, item);
				waitForIdle();
				shown.addAll(List.of(fieldLabels(dialog).split(";")));
				width = Math.max(width, dialog.getWidth());
				if (dialog.getHeight() > height) tallest = spec.methodKey() + "=" + item;
				height = Math.max(height, dialog.getHeight());
			}
			choose(method, initial);
			waitForIdle();
		}
		report.setProperty("dialog." + label + ".fields", String.join(";", shown));
		report.setProperty("dialog." + label + ".largest", width + "x" + height + (tallest.isEmpty() ? "" : " (" + tallest + ")"));
		java.util.Vector<?> numbers = dialog.getNumericFields();
		if (numbers == null || numbers.isEmpty()) {
			Button cancel = findButton(dialog, "Cancel");
			onEdt(() -> dialog.actionPerformed(new ActionEvent(cancel, ActionEvent.ACTION_PERFORMED, "Cancel")));
		} else {
			// a word typed into a number field, then OK: the dialog's own check, not a silently used NaN
			TextField first = (TextField) numbers.get(0);
			Button ok = findButton(dialog, "OK");
			onEdt(() -> {
				first.setText("many");
				dialog.actionPerformed(new ActionEvent(ok, ActionEvent.ACTION_PERFORMED, "OK"));
			});
			report.setProperty("number." + label, closeMessage(messageTitle(label)));
			// what was typed is remembered for the next dialog, the refused word too; the runs below start from the default again
			org.conceptscope.registry.Parameter number = spec.parameters().list().stream().filter(p -> p.type().numeric()).findFirst().orElseThrow();
			String pref = "conceptscope." + spec.page().replace(".md", "") + "." + number.key();
			report.setProperty("number." + label + ".key", number.key());
			report.setProperty("number." + label + ".kept", ij.Prefs.get(pref, "(nothing)"));
			ij.Prefs.set(pref, number.defaultText());
		}
		for (int i = 0; i < 100 && dialog.isShowing(); i++) Thread.sleep(50);
		report.setProperty("dialog." + label + ".closed", Boolean.toString(!dialog.isShowing()));
	}

	/** A menu click with no image open: ImageJ's error message, and whether the command's dialog opened anyway. */
	private void noImage(String label) throws Exception {
		IJ.doCommand(label);
		report.setProperty("noimage." + label, closeMessage(messageTitle(label)));
		report.setProperty("noimage." + label + ".dialog", Boolean.toString(dialogShowing(DIALOGS.get(label))));
	}

	/** The title of a command's error message: "ConceptScope" and the command's title, the menu label without its dots. */
	private static String messageTitle(String label) {
		return "ConceptScope " + org.conceptscope.fiji.param.CommandSpecs.of(label).title();
	}

	/** Waits for ImageJ's error message of this title (IJ.error), returns its text and closes it. */
	private String closeMessage(String title) throws Exception {
		for (int i = 0; i < 600; i++) {
			for (Window w : Window.getWindows()) {
				if (w instanceof ij.gui.MessageDialog md && md.isShowing() && title.equals(md.getTitle())) {
					String text = messageText(md);
					Button ok = findButton(md, "OK");
					onEdt(() -> md.actionPerformed(new ActionEvent(ok, ActionEvent.ACTION_PERFORMED, "OK")));
					for (int j = 0; j < 100 && md.isShowing(); j++) Thread.sleep(50);
					return text;
				}
			}
			Thread.sleep(50);
		}
		return "(no message '" + title + "' in 30 s)";
	}

	private static boolean dialogShowing(String title) {
		for (Window w : Window.getWindows()) if (w instanceof GenericDialog g && g.isShowing() && title.equals(g.getTitle())) return true;
		return false;
	}

	/** The lines of a MessageDialog's label (ImageJ keeps them in MultiLineLabel.lines). */
	private static String messageText(Container c) throws ReflectiveOperationException {
		for (Component child : c.getComponents()) {
			if (child instanceof ij.gui.MultiLineLabel label) {
				java.lang.reflect.Field lines = ij.gui.MultiLineLabel.class.getDeclaredField("lines");
				lines.setAccessible(true);
				return String.join(" ", (String[]) lines.get(label));
			}
			if (child instanceof Container sub) {
				String text = messageText(sub);
				if (text != null) return text;
			}
		}
		return null;
	}

	/** The numeric field labelled with a macro key (GenericDialog shows its underscores as spaces). */
	static TextField numericField(GenericDialog gd, String key) {
		TextField f = labelled(gd, key.replace('_', ' '), new String[1], gd.getNumericFields());
		if (f == null) throw new IllegalStateException("The dialog '" + gd.getTitle() + "' has no numeric field '" + key + "'.");
		return f;
	}

	/** Walks the dialog in layout order: a field belongs to the last field label before it. */
	private static TextField labelled(Container c, String label, String[] last, java.util.List<?> fields) {
		for (Component child : c.getComponents()) {
			if (child instanceof java.awt.Label l) last[0] = l.getText().trim();
			if (child instanceof TextField t && fields.contains(t) && label.equals(last[0])) return t;
			if (child instanceof Container sub) {
				TextField t = labelled(sub, label, last, fields);
				if (t != null) return t;
			}
		}
		return null;
	}

	/** The choice labelled with a macro key. */
	static Choice choiceField(Container c, String key) {
		Choice found = labelledChoice(c, key.replace('_', ' '), new String[1]);
		if (found == null) throw new IllegalStateException("The dialog has no choice '" + key + "'.");
		return found;
	}

	private static Choice labelledChoice(Container c, String label, String[] last) {
		for (Component child : c.getComponents()) {
			if (child instanceof java.awt.Label l) last[0] = l.getText().trim();
			if (child instanceof Choice ch && label.equals(last[0])) return ch;
			if (child instanceof Container sub) {
				Choice ch = labelledChoice(sub, label, last);
				if (ch != null) return ch;
			}
		}
		return null;
	}

	/** Picks an item of a choice as a click does: selected, then its listeners told. */
	static void choose(Choice choice, String item) throws Exception {
		onEdt(() -> {
			choice.select(item);
			java.awt.event.ItemEvent e = new java.awt.event.ItemEvent(choice, java.awt.event.ItemEvent.ITEM_STATE_CHANGED, item,
				java.awt.event.ItemEvent.SELECTED);
			for (java.awt.event.ItemListener l : choice.getItemListeners()) l.itemStateChanged(e);
		});
	}

	/** The labels the dialog shows (every field's label is its macro key); hidden fields left out. */
	static String fieldLabels(Container c) {
		List<String> labels = new ArrayList<>();
		collect(c, labels);
		return String.join(";", labels);
	}

	private static void collect(Container c, List<String> labels) {
		for (Component child : c.getComponents()) {
			if (!child.isVisible()) continue;
			if (child instanceof java.awt.Label l && !l.getText().isBlank()) labels.add(l.getText().trim());
			if (child instanceof java.awt.Checkbox b) labels.add(b.getLabel().trim());
			if (child instanceof Container sub) collect(sub, labels);
		}
	}

	static Button findButton(Container c, String label) {
		Button b = button(c, label);
		if (b == null) throw new IllegalStateException("No '" + label + "' button in " + c);
		return b;
	}

	private static Button button(Container c, String label) {
		for (Component child : c.getComponents()) {
			if (child instanceof Button b && label.equals(b.getLabel().trim())) return b;
			if (child instanceof Container sub) {
				Button b = button(sub, label);
				if (b != null) return b;
			}
		}
		return null;
	}

	private static ResultsTable table(String title) {
		Window w = WindowManager.getWindow(title);
		return w instanceof TextWindow t && t.isShowing() ? t.getResultsTable() : null;
	}

	private void report(ResultsTable t, String key) {
		report.setProperty(key + ".shown", Boolean.toString(t != null));
		if (t == null) return;
		report.setProperty(key + ".rows", Integer.toString(t.size()));
		report.setProperty(key + ".columns", t.getColumnHeadings().trim().replace('\t', ';'));
		for (String column : t.getHeadings()) {
			if (column.equals(" ")) continue;
			List<String> values = new ArrayList<>();
			for (int r = 0; r < t.size(); r++) values.add(t.getStringValue(column, r));
			report.setProperty(key + ".column." + column, String.join(";", values));
		}
	}

	/** Runs macro code as ImageJ's interpreter does for a menu macro: on a thread whose name gives it the options. */
	private static void runMacro(String code) throws InterruptedException {
		AtomicReference<Throwable> failed = new AtomicReference<>();
		Thread t = new Thread(() -> {
			try {
				IJ.runMacro(code);
			} catch (Throwable e) {
				failed.set(e);
			}
		}, "Run$_gui-macro");
		t.start();
		t.join(120_000);
		if (failed.get() != null) throw new IllegalStateException("The macro failed", failed.get());
	}

	/** A part of the screen as the X server shows it. */
	private void capture(Rectangle r, String name) throws IOException {
		BufferedImage shot = robot.createScreenCapture(r);
		ImageIO.write(shot, "png", out.resolve(name).toFile());
		report.setProperty("screenshot." + name, r.width + "x" + r.height);
	}

	/**
	 * The macro recorder on, Attribution run from its menu item through its dialog (model typed in,
	 * method and top fraction changed, OK clicked); the line the recorder wrote is then replayed as a
	 * macro, which must give the same maps.
	 */
	private void recordAndReplay(Path model, Path stack) throws Exception {
		ImagePlus image = IJ.openImage(stack.toString());
		image.show();
		waitForIdle();
		Recorder recorder = new Recorder(false);
		Recorder.record = true;
		IJ.doCommand("Attribution...");
		GenericDialog gd = dialog("ConceptScope Attribution");
		if (gd == null) throw new IllegalStateException("The Attribution dialog did not open in 60 s.");
		choose(choiceField(gd, "method"), "occlusion"); // as a click does: occlusion's fields shown
		onEdt(() -> {
			((TextField) gd.getStringFields().get(0)).setText(model.toString());
			// Found by their labels (the macro keys), so a new field in the dialog moves nothing here.
			numericField(gd, "stride").setText("8");
			numericField(gd, "top_fraction").setText("0.2");
			gd.actionPerformed(new ActionEvent(findButton(gd, "OK"), ActionEvent.ACTION_PERFORMED, "OK"));
		});
		String title = "ihc-heldout-patches-occlusion";
		ImagePlus first = null;
		for (int i = 0; i < 600 && first == null; i++) {
			first = WindowManager.getImage(title);
			if (first == null) Thread.sleep(100);
		}
		if (first == null) throw new IllegalStateException("The Attribution dialog's run gave no image '" + title + "'.");
		// the recorder writes the line when the command returns (after its table and ROIs): wait for it, up to 60 s on a loaded machine
		String line = recordedLine(recorder, "Attribution...");
		Recorder.record = false;
		report.setProperty("record.line", String.valueOf(line));
		report.setProperty("record.info", String.valueOf(first.getProperty("Info")));
		float[] map = mapOf(first, 3);
		RoiManager rm = RoiManager.getInstance();
		report.setProperty("record.roimanager.count", Integer.toString(rm == null ? 0 : rm.getCount()));
		clearResults(title);
		onEdt(recorder::close);
		first.changes = false;
		first.close();
		if (line == null) return;
		runMacro(line);
		waitForIdle();
		ImagePlus replayed = WindowManager.getImage(title);
		report.setProperty("record.replayed", Boolean.toString(replayed != null));
		if (replayed != null) {
			report.setProperty("record.replayEqual", Boolean.toString(java.util.Arrays.equals(map, mapOf(replayed, 3))));
			replayed.changes = false;
			replayed.close();
		}
		clearResults(title);
		image.changes = false;
		image.close();
	}

	/**
	 * Explain with Head with its bias box unticked: ImageJ records a ticked box as its key and an unticked one not at all,
	 * which would read back as bias's default (ticked), so the line must say bias=false. The head folder does not exist, so
	 * the run stops with its message after the dialog; the line is recorded all the same.
	 */
	private void recordUntickedBias(Path model, Path stack) throws Exception {
		ImagePlus image = IJ.openImage(stack.toString());
		image.show();
		waitForIdle();
		Recorder recorder = new Recorder(false);
		Recorder.record = true;
		IJ.doCommand("Explain with Head...");
		GenericDialog gd = dialog("ConceptScope Explain with Head");
		if (gd == null) throw new IllegalStateException("The Explain with Head dialog did not open in 60 s.");
		onEdt(() -> {
			stringField(gd, "model").setText(model.toString());
			stringField(gd, "head").setText(out.resolve("no-such-head").toString());
			java.awt.Checkbox bias = checkbox(gd, "bias");
			report.setProperty("bias.default", Boolean.toString(bias.getState()));
			bias.setState(false);
			gd.actionPerformed(new ActionEvent(findButton(gd, "OK"), ActionEvent.ACTION_PERFORMED, "OK"));
		});
		report.setProperty("bias.message", closeMessage(messageTitle("Explain with Head...")));
		String line = recordedLine(recorder, "Explain with Head...");
		Recorder.record = false;
		report.setProperty("bias.line", String.valueOf(line));
		onEdt(recorder::close);
		image.changes = false;
		image.close();
	}

	/**
	 * Concept Graph in a batch-mode macro without save_dir (a display, so it is allowed): the montages and the
	 * concept-map image come back as the macro's images, and the graph picture is its current image.
	 */
	private void graphInBatchMode(Path model, Path stack) throws Exception {
		Path out = this.out.resolve("graph-batch.txt");
		runMacro("setBatchMode(true);\nopen('" + stack + "');\nrun('Concept Graph...', 'model=[" + model + "] layers=[conv2/relu,conv3/relu]"
			+ " scope=class target=DAB-positive concepts=2 samples=50 steps=4 examples=2 seed=7');\ncurrent = getTitle();\ntitles = '';\n"
			+ "for (i = 1; i <= nImages; i++) { selectImage(i); titles = titles + getTitle() + ';'; }\n"
			+ "File.saveString(current + '\\n' + titles, '" + out + "');\n");
		List<String> lines = Files.exists(out) ? Files.readAllLines(out) : List.of("(no file)", "");
		report.setProperty("graph.batch.current", lines.get(0));
		report.setProperty("graph.batch.titles", lines.size() > 1 ? lines.get(1) : "");
	}

	/** The recorder's line for a command, once written (when the command returns), waiting up to 60 s on a loaded machine; or null. */
	private static String recordedLine(Recorder recorder, String command) throws InterruptedException {
		for (int i = 0; i < 600; i++) {
			String line = null;
			for (String l : recorder.getText().split("\n")) if (l.startsWith("run(\"" + command + "\"")) line = l;
			if (line != null) return line;
			Thread.sleep(100);
		}
		return null;
	}

	/** The text field (folder, file or text) labelled with a macro key. */
	static TextField stringField(GenericDialog gd, String key) {
		TextField f = labelled(gd, key.replace('_', ' '), new String[1], gd.getStringFields());
		if (f == null) throw new IllegalStateException("The dialog '" + gd.getTitle() + "' has no text field '" + key + "'.");
		return f;
	}

	/** The checkbox labelled with a macro key. */
	private static java.awt.Checkbox checkbox(GenericDialog gd, String key) {
		for (Object o : gd.getCheckboxes()) if (o instanceof java.awt.Checkbox c && c.getLabel().trim().equals(key.replace('_', ' '))) return c;
		throw new IllegalStateException("The dialog '" + gd.getTitle() + "' has no checkbox '" + key + "'.");
	}

	/** Empties the ROI Manager and closes the results table of a run, so the next run's windows stand alone. */
	private static void clearResults(String title) throws Exception {
		onEdt(() -> {
			RoiManager rm = RoiManager.getInstance();
			if (rm != null) rm.reset();
			if (WindowManager.getWindow(title + "-results") instanceof TextWindow t) t.close(false);
		});
	}

	/** The heat-map channel (the last) of slice z. */
	private static float[] mapOf(ImagePlus imp, int z) {
		return (float[]) imp.getStack().getPixels(imp.getStackIndex(imp.getNChannels(), z, 1));
	}

	/** The showing GenericDialog of that title, waited for up to 60 s (a loaded machine is slow to open windows). */
	static GenericDialog dialog(String title) throws InterruptedException {
		for (int i = 0; i < 1200; i++) {
			for (Window w : Window.getWindows()) {
				if (w instanceof GenericDialog g && g.isShowing() && title.equals(g.getTitle())) return g;
			}
			Thread.sleep(50);
		}
		return null;
	}

	static void onEdt(Runnable r) throws Exception {
		SwingUtilities.invokeAndWait(r);
	}

	private void waitForIdle() throws Exception {
		onEdt(() -> {});
		robot.waitForIdle();
	}
}
