import { ActivityIndicator, Pressable, StyleSheet, Text } from 'react-native';
import { useTheme } from '../theme/theme';

type Props = {
  label: string;
  onPress: () => void;
  variant?: 'primary' | 'secondary';
  disabled?: boolean;
  busy?: boolean;
  testID?: string;
  accessibilityLabel?: string;
  selected?: boolean;
};

export function Button({
  label,
  onPress,
  variant = 'primary',
  disabled,
  busy,
  testID,
  accessibilityLabel,
  selected,
}: Props) {
  const theme = useTheme();
  const primary = variant === 'primary';
  const inactive = disabled || busy;
  return (
    <Pressable
      testID={testID}
      accessibilityRole="button"
      accessibilityLabel={accessibilityLabel ?? label}
      accessibilityState={{ disabled: !!inactive, busy: !!busy, selected: selected ?? undefined }}
      disabled={inactive}
      onPress={onPress}
      style={({ pressed }) => [
        styles.base,
        {
          backgroundColor: primary ? theme.primary : 'transparent',
          borderColor: theme.primary,
          opacity: inactive ? 0.55 : pressed ? 0.8 : 1,
        },
      ]}
    >
      {busy ? <ActivityIndicator color={primary ? theme.primaryText : theme.primary} /> : null}
      <Text style={[styles.label, { color: primary ? theme.primaryText : theme.primary }]}>{label}</Text>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  base: {
    flexDirection: 'row',
    gap: 8,
    alignItems: 'center',
    justifyContent: 'center',
    borderRadius: 10,
    borderWidth: 1.5,
    paddingVertical: 12,
    paddingHorizontal: 18,
  },
  label: { fontSize: 16, fontWeight: '600' },
});
