package org.conceptscope.fiji;

import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.plugin.frame.Recorder;
import ij.process.ByteProcessor;

import java.awt.GraphicsEnvironment;
import java.awt.event.ActionEvent;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

import org.conceptscope.fiji.command.AttributionCommand;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleRunner;
import org.scijava.module.ModuleService;
import org.scijava.module.process.ModulePreprocessor;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.PluginService;
import org.scijava.service.Service;

/**
 * The SciJava Attribution command run as Fiji's menu runs it, in a child JVM with a display (an Xvfb
 * server started by {@link SciJavaDialogTest}): a SciJava context prepares the command with every
 * preprocessor it knows, on a thread without macro options and the macro recorder on. The dialog
 * that opens is read (its title, the fields it shows), filled in and confirmed; the command's
 * inputs, what is left for SciJava's input harvester and what the dialog left in the recorder go to
 * report.properties. A second run reads the values the dialog shows again, then cancels it.
 * <p>
 * {@code SciJavaDialogChild <output folder>}
 */
public final class SciJavaDialogChild {

	private SciJavaDialogChild() {}

	public static void main(String[] args) throws Exception {
		Path out = Path.of(args[0]);
		Properties report = new Properties();
		int status = 0;
		try {
			run(report);
		} catch (Throwable t) {
			report.setProperty("failure", t.toString());
			t.printStackTrace();
			status = 1;
		} finally {
			try (OutputStream o = Files.newOutputStream(out.resolve("report.properties"))) {
				report.store(o, "SciJavaDialogChild");
			}
		}
		System.exit(status); // the AWT event thread must not keep this JVM alive
	}

	private static void run(Properties report) throws Exception {
		report.setProperty("headless", Boolean.toString(GraphicsEnvironment.isHeadless()));
		try (Context context = new Context()) {
			ImagePlus image = new ImagePlus("patches", new ByteProcessor(32, 32));
			image.show();
			CommandInfo info = context.service(CommandService.class).getCommand(AttributionCommand.class);
			Recorder.record = true; // the recorder open, as in a Fiji session being recorded
			Recorder.resetCommandOptions();

			Run first = prepare(context, info, gd -> {
				report.setProperty("first.title", gd.getTitle());
				report.setProperty("first.fields", GuiChild.fieldLabels(gd));
				GuiChild.choose(GuiChild.choiceField(gd, "method"), "occlusion");
				report.setProperty("first.occlusionFields", GuiChild.fieldLabels(gd));
				GuiChild.onEdt(() -> {
					GuiChild.stringField(gd, "model").setText("/models/ihc stain");
					GuiChild.numericField(gd, "stride").setText("6");
					gd.actionPerformed(new ActionEvent(GuiChild.findButton(gd, "OK"), ActionEvent.ACTION_PERFORMED, "OK"));
				});
			});
			report.setProperty("first.cancelled", String.valueOf(first.canceler() != null));
			report.setProperty("first.method", String.valueOf(first.module().getInput("method")));
			report.setProperty("first.stride", String.valueOf(first.module().getInput("stride")));
			report.setProperty("first.model", String.valueOf(first.module().getInput("model")));
			report.setProperty("first.image", first.module().getInput("image") instanceof ImagePlus imp ? imp.getTitle() : "none");
			report.setProperty("first.unresolved", String.join(";", unresolved(first.module())));
			report.setProperty("first.recorded", String.valueOf(Recorder.getCommandOptions()));

			Run second = prepare(context, info, gd -> {
				report.setProperty("second.method", GuiChild.choiceField(gd, "method").getSelectedItem());
				report.setProperty("second.stride", GuiChild.numericField(gd, "stride").getText());
				report.setProperty("second.model", GuiChild.stringField(gd, "model").getText());
				GuiChild.onEdt(() -> gd.actionPerformed(new ActionEvent(GuiChild.findButton(gd, "Cancel"), ActionEvent.ACTION_PERFORMED,
					"Cancel")));
			});
			report.setProperty("second.cancelled", String.valueOf(second.canceler() != null));
			Recorder.record = false;
		}
	}

	interface DialogAction {
		void on(GenericDialog gd) throws Exception;
	}

	record Run(Module module, ModulePreprocessor canceler) {}

	/** Every preprocessor of the context on a thread of its own (as Fiji runs a command); the dialog it opens is handled here. */
	private static Run prepare(Context context, CommandInfo info, DialogAction action) throws Exception {
		Module module = context.service(ModuleService.class).createModule(info);
		List<PreprocessorPlugin> pre = context.service(PluginService.class).createInstancesOfType(PreprocessorPlugin.class);
		AtomicReference<ModulePreprocessor> canceler = new AtomicReference<>();
		AtomicReference<Throwable> failed = new AtomicReference<>();
		Thread runner = new Thread(() -> {
			try {
				canceler.set(new ModuleRunner(context, module, pre, List.of()).preProcess());
			} catch (Throwable t) {
				failed.set(t);
			}
		}, "SciJava-command");
		runner.start();
		GenericDialog gd = GuiChild.dialog("ConceptScope Attribution");
		if (gd == null) throw new IllegalStateException("The SciJava command opened no 'ConceptScope Attribution' dialog in 60 s.");
		action.on(gd);
		runner.join(60_000);
		if (failed.get() != null) throw new IllegalStateException("Preprocessing failed", failed.get());
		return new Run(module, canceler.get());
	}

	private static List<String> unresolved(Module m) {
		List<String> out = new ArrayList<>();
		for (ModuleItem<?> i : m.getInfo().inputs()) {
			if (!Service.class.isAssignableFrom(i.getType()) && !m.isInputResolved(i.getName())) out.add(i.getName());
		}
		return out;
	}
}
