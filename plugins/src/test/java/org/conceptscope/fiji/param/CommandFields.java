package org.conceptscope.fiji.param;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A command's fields as SciJava reads its inputs: those of its ConceptScope superclasses (the
 * generated inputs of command/CommandInputs) first, then its own; SciJava's own base classes left out.
 */
public final class CommandFields {

	private CommandFields() {}

	/** Every field, superclass first (SciJava's input order). */
	public static List<Field> fields(Class<?> command) {
		List<Field> out = new ArrayList<>();
		for (Class<?> c = command; c != null && c.getName().startsWith("org.conceptscope."); c = c.getSuperclass()) {
			out.addAll(0, Arrays.asList(c.getDeclaredFields()));
		}
		return out;
	}

	/** The field of this name, declared by the command or inherited from its generated inputs. */
	public static Field field(Class<?> command, String name) throws NoSuchFieldException {
		for (Field f : fields(command)) if (f.getName().equals(name)) return f;
		throw new NoSuchFieldException(command.getName() + "." + name);
	}
}
